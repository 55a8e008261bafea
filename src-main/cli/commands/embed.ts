import { loadMono32k } from '../../engine/audio/decode.ts';
import { EngineError } from '../../engine/errors.ts';
import { topTagsOfWindows } from '../../engine/model/audioset-tags.ts';
import { ensureModel } from '../../engine/model/backbone.ts';
import { embedWindows } from '../../engine/model/embed-windows.ts';
import { openModelPair } from '../../engine/model/runtime.ts';
import { LIBRARY_OPTIONS, UsageError, libraryLocation, parse, positiveNumber, type CliCommand } from '../command.ts';

export const command: CliCommand = {
  summary: 'embed one audio file and show its windows and AudioSet tags',
  usage: `usage: onomato embed <audio file> [--tower reference|imitation] [--hop S] [--data-dir <dir>] [--json]

  Runs the file through the QVIM front end and one tower of the model (reference by default,
  as for a library sound): 10 s windows every S seconds (default 5). Prints the model id, the
  execution provider, the embedding size, the windows and the top AudioSet tags. --json also
  prints the embeddings.`,

  async run(argv, io) {
    const { values, positionals } = parse(argv, { ...LIBRARY_OPTIONS, tower: { type: 'string' }, hop: { type: 'string' }, json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError('name exactly one audio file');
    const tower = values.tower ?? 'reference';
    if (tower !== 'reference' && tower !== 'imitation') throw new UsageError(`--tower is reference or imitation, not "${tower}"`);
    const hopSec = positiveNumber(values.hop, '--hop') ?? 5;
    const file = positionals[0];

    const built = await ensureModel(libraryLocation(values).models);
    const pair = await openModelPair(built, { log: () => undefined });
    try {
      const { samples, decoded } = await loadMono32k(file);
      if (samples.length === 0) throw new EngineError('empty-file', 'the file holds no audio samples', { file });
      const { windows, logits } = await embedWindows(samples, pair[tower], { hopSec });
      const tags = topTagsOfWindows(logits);
      const report = {
        file, model: built.id, provider: pair[tower].provider, tower, embeddingSize: pair[tower].dimension,
        durationSec: decoded.durationSec, sampleRate: decoded.sampleRate, format: decoded.format,
        windows: windows.map((w) => ({ offsetSec: w.offsetSec, ...(values.json ? { embedding: Array.from(w.embedding) } : {}) })),
        tags,
      };
      if (values.json) {
        io.stdout.write(`${JSON.stringify(report)}\n`);
        return 0;
      }
      io.stdout.write(
        [
          `file        ${file}`,
          `model       ${report.model} (${tower} tower)`,
          `provider    ${report.provider}`,
          `embedding   ${report.embeddingSize} values per window`,
          `audio       ${decoded.format}, ${decoded.sampleRate} Hz, ${decoded.durationSec.toFixed(2)} s`,
          `windows     ${windows.length} (10 s every ${hopSec} s, starting at ${windows.map((w) => `${w.offsetSec}s`).join(', ')})`,
          `tags        ${tags.map((t) => `${t.label} ${(t.probability * 100).toFixed(0)}%`).join(', ') || '(none above 10%)'}`,
        ].join('\n') + '\n',
      );
      return 0;
    } finally {
      await pair.close();
    }
  },
};
