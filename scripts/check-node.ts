// Guards `npm test`: the suite must run on the Node 24 that the project installs itself
// (node_modules/.bin/node), not on whatever older Node the machine ships.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `modsync needs Node >= 24, this is ${process.version}. Run "npm ci" first: it installs Node 24 into node_modules/.bin.`,
  );
  process.exit(1);
}
console.log(`node ${process.version}`);
