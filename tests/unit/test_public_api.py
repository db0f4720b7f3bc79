import subprocess
import sys

import hpdp


def test_all_is_sorted_and_complete():
    assert hpdp.__all__ == sorted(hpdp.__all__)
    assert all(hasattr(hpdp, name) for name in hpdp.__all__)


def test_importing_hpdp_and_the_cli_loads_no_heavy_library():
    code = (
        "import sys, hpdp, hpdp.presentation.cli.app; "
        "heavy = [m for m in ('duckdb', 'polars', 'pandas', 'pyarrow', 'mlflow', 'papermill') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
