/** `visage faces`: list the stored faces (box, landmarks, quality, embedding). */
import { parseArgs, stringFlag, UsageError, type CliCommand } from '../command';
import { resolveDbPath } from '../../platform/paths';
import { faceJson } from '../../store/rows-json';
import { openStoreForReading } from '../open-store';

export const command: CliCommand = {
  name: 'faces',
  summary: 'List the faces in the library database (embeddings as base64 or hex)',
  usage: 'usage: visage faces [--db FILE] [--json] [--encoding base64|hex]',
  async run(args) {
    const p = parseArgs(args, { values: { db: 'string', encoding: 'string' }, booleans: ['json'] });
    if (p.positionals.length > 0) throw new UsageError(`unexpected argument "${p.positionals[0]}"`);
    const encoding = stringFlag(p, 'encoding') ?? 'base64';
    if (encoding !== 'base64' && encoding !== 'hex') throw new UsageError(`--encoding must be base64 or hex, got "${encoding}"`);
    const store = openStoreForReading(resolveDbPath(stringFlag(p, 'db')));
    try {
      const faces = store.faces.all().map((f) => faceJson(f, encoding));
      if (p.flags.has('json')) {
        process.stdout.write(`${JSON.stringify({ count: faces.length, faces })}\n`);
      } else {
        for (const f of faces) {
          const b = f.box;
          process.stdout.write(`${f.path}\t[${b.x},${b.y} ${b.width}x${b.height}]\tscore ${f.score}\tquality ${f.quality.score}\n`);
        }
        process.stdout.write(`${faces.length} face(s)\n`);
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
