from hpdp.presentation.cli.app import main

main()
