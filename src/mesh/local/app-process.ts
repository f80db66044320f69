// Entry point of a local pod's app when its image is one of the book's samples: starts the sample
// on STRAIT_APP_HOST (the pod's app address) with the container's env and args, until SIGTERM.
import { sampleForImage } from '../../../samples/registry.js';

async function main(): Promise<void> {
  const image = process.env['STRAIT_SAMPLE_IMAGE'] ?? '';
  const sample = sampleForImage(image);
  if (!sample) {
    console.error(`no sample runs image ${image}`);
    process.exit(2);
  }
  const args = JSON.parse(process.env['STRAIT_APP_ARGS'] ?? '[]') as string[];
  const port = sample.containerPort(process.env, args);
  const running = await sample.start({ host: process.env['STRAIT_APP_HOST'] ?? '127.0.0.1', port, env: process.env, args });
  console.log(`${sample.sample} listening on ${running.host}:${running.port}`);
  const stop = (): void => { void running.close().then(() => process.exit(0)); };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

void main();
