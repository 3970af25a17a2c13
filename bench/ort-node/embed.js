// Peer benchmark for `simforge bench embed`: the same ONNX model, batch size and thread count with
// onnxruntime-node. Random inputs of the model's input shape; warm-up, then the best of several rounds.
//   cd bench/ort-node && ONNXRUNTIME_NODE_INSTALL=skip npm ci
//   node embed.js ../../runs/<run>/model.onnx 64 2 200 5
const ort = require('onnxruntime-node');

async function main() {
  const [model, batchArg = '64', threadsArg = '2', batchesArg = '200', roundsArg = '5'] = process.argv.slice(2);
  const batch = Number(batchArg), threads = Number(threadsArg), batches = Number(batchesArg), rounds = Number(roundsArg);
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', executionProviders: ['cpu'],
  });
  const input = session.inputNames[0];
  // The item shape (the input without its batch dimension); the quickstart ConvNet takes 1×28×28.
  const shapeText = process.env.INPUT_SHAPE || '1,28,28';
  const item = shapeText.split(',').map(Number);
  const size = item.reduce((a, b) => a * b, 1);
  const data = new Float32Array(batch * size);
  let seed = 1;
  for (let i = 0; i < data.length; i++) { // any fixed inputs do: the cost does not depend on the values
    seed = (seed * 1103515245 + 12345) % 2147483648;
    data[i] = seed / 2147483648 - 0.5;
  }
  const feeds = {};
  const run = async () => {
    feeds[input] = new ort.Tensor('float32', data, [batch, ...item]);
    const out = await session.run(feeds);
    return out[session.outputNames[0]].data;
  };
  for (let i = 0; i < Math.max(10, batches / 5); i++) await run();
  const rates = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batches; i++) await run();
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    rates.push(Math.round(batch * batches / seconds));
  }
  console.log(`onnxruntime-node ${require('onnxruntime-node/package.json').version}: ${model.split('/').pop()}, batch ${batch}, `
    + `${threads} threads: best ${Math.max(...rates)} images/s, rounds [${rates.join(', ')}]`);
}

main().catch((e) => { console.error(e); process.exit(1); });
