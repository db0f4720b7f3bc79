// JupyterLab: cells of a Python kernel are parsed as Python, with the SQL of `%%sql` cells and `%sql`
// lines parsed as DuckDB SQL on top (a Lezer overlay), so both highlight as their own language.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { IEditorLanguageRegistry, pythonBuiltin } from '@jupyterlab/codemirror';
import { LanguageSupport } from '@codemirror/language';
import { pythonLanguage } from '@codemirror/lang-python';
import { parseMixed } from '@lezer/common';

import { DuckDB } from './dialect';
import { sqlRanges } from './regions';

const IPYTHON_MIME = 'text/x-ipython';

/** IPython with SQL magics: the Python tree, and the SQL parser mounted over the magics' SQL. */
export function ipythonWithSql(): LanguageSupport {
  const sqlParser = DuckDB.language.parser;
  // configure() keeps Python's language data (comments, brackets, indentation) and node props
  const language = pythonLanguage.configure(
    {
      wrap: parseMixed((node, input) => {
        if (!node.type.isTop) {
          return null;
        }
        const ranges = sqlRanges(input.read(node.from, node.to)).map(r => ({
          from: r.from + node.from,
          to: r.to + node.from
        }));
        return ranges.length ? { parser: sqlParser, overlay: ranges } : null;
      })
    },
    'ipython'
  );
  return new LanguageSupport(language, [pythonBuiltin(language)]);
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'hpdp-sql:highlight',
  description: 'Highlights the SQL of %sql and %%sql cells (DuckDB dialect).',
  autoStart: true,
  requires: [IEditorLanguageRegistry],
  activate: (_app: JupyterFrontEnd, languages: IEditorLanguageRegistry) => {
    const spec = languages.findByMIME(IPYTHON_MIME);
    if (!spec) {
      console.warn('hpdp-sql: no IPython language is registered; SQL cells stay plain Python.');
      return;
    }
    // The registry refuses a second language for a MIME type: give the existing one a new loader.
    const description = spec as unknown as { load: () => Promise<LanguageSupport>; support?: LanguageSupport };
    let loading: Promise<LanguageSupport> | null = null;
    description.support = undefined;
    description.load = () => (loading ??= Promise.resolve(ipythonWithSql()).then(s => (description.support = s)));
  }
};

export default plugin;
