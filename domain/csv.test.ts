import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCsv } from '../test/helpers/csv.ts';
import { csvCell, encodeCsv } from './csv.ts';

describe('CSV exports for French spreadsheets', () => {
  it('starts with a BOM, separates with semicolons and ends lines with CRLF', () => {
    const text = encodeCsv(['Nom', 'Rôles'], [['Éloïse Ménard', 'Administrateur']]);
    assert.equal(text, '\uFEFFNom;Rôles\r\nÉloïse Ménard;Administrateur\r\n');
  });

  it('quotes fields holding a separator, a quote or a line break, and reads back the same', () => {
    const rows = [
      ['Dupont; fils', 'dit "le grand"', 'ligne 1\nligne 2'],
      ['', ' espace autour ', 'çà et là — œuvre'],
    ];
    const text = encodeCsv(['a', 'b', 'c'], rows);
    assert.match(text, /"Dupont; fils";"dit ""le grand""";"ligne 1\nligne 2"/);
    const parsed = parseCsv(text);
    assert.equal(parsed.bom, true);
    assert.deepEqual(parsed.rows, [['a', 'b', 'c'], ...rows]);
  });

  it('keeps spreadsheets from running a cell as a formula', () => {
    assert.equal(
      csvCell('=HYPERLINK("http://exemple.invalid")'),
      `"'=HYPERLINK(""http://exemple.invalid"")"`,
    );
    assert.equal(csvCell('+33 1 23'), "'+33 1 23");
    assert.equal(csvCell('-2'), "'-2");
    assert.equal(csvCell('@SOMME(A1)'), "'@SOMME(A1)");
    assert.equal(csvCell('Claude'), 'Claude');
  });

  it('writes nothing for missing values and numbers as they are', () => {
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(undefined), '');
    assert.equal(csvCell(12), '12');
  });
});
