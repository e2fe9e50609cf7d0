// Run a TensorFlow.js graph model on raw chips with TF.js itself (pure-JS CPU backend).
//
//   NODE_PATH=<folder with node_modules/@tensorflow/tfjs> node tools/tfjs_reference.cjs \
//       MODEL.json CHIPS.u8 N OUT.f32 OUTPUT_NODE...
//
// CHIPS.u8 holds N RGB uint8 chips of 224x224x3 (row-major NHWC). They are fed the way
// photosort.ml.faceres feeds them: RGB -> BGR, minus the ImageNet "caffe" means.
// OUT.f32 receives every requested output node, flattened, little-endian float32,
// one after the other. Used by tools/make_faceres_fixture.py.
const fs = require('fs');
const path = require('path');
const tf = require('@tensorflow/tfjs');

async function main() {
  const [modelPath, chipsPath, nText, outPath, ...outputs] = process.argv.slice(2);
  await tf.setBackend('cpu');
  const json = JSON.parse(fs.readFileSync(modelPath, 'utf8'));
  const specs = [];
  const buffers = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const shard of group.paths) buffers.push(fs.readFileSync(path.join(path.dirname(modelPath), shard)));
  }
  const data = Buffer.concat(buffers);
  const artifacts = {
    modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy,
    convertedBy: json.convertedBy, signature: json.signature, weightSpecs: specs,
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
  };
  const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  const n = parseInt(nText, 10);
  const raw = fs.readFileSync(chipsPath);
  const chips = tf.tensor4d(Float32Array.from(raw), [n, 224, 224, 3]);
  const input = tf.sub(tf.reverse(chips, -1), tf.tensor1d([103.939, 116.779, 123.68]));
  const results = model.execute(input, outputs);
  const parts = [];
  for (const t of (Array.isArray(results) ? results : [results])) parts.push(Buffer.from((await t.data()).buffer));
  fs.writeFileSync(outPath, Buffer.concat(parts));
  console.log(`tfjs ${tf.version.tfjs} backend ${tf.getBackend()}: ${n} chips -> ${outputs.join(', ')}`);
}

main().catch((err) => { console.error(err); process.exit(1); });
