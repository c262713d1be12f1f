// A provider module as a third-party npm package would ship it: plain CommonJS, default export.
exports.make = (name) => ({
  contractVersion: "1.0",
  name,
  description: "an in-test cloud",
  requirements: { credentials: [], tools: [] },
  platformFacts: { publicIp: true, firewall: false, resizeInPlace: false },
  catalog: {
    pricesAsOf: "2026-11-22",
    source: "test",
    currency: "USD",
    sizes: [{ type: "t1", arch: "x86_64", cpus: 1, memoryGiB: 2, hourlyPrice: 0.01 }],
    regions: [{ id: "here", name: "Here" }],
    images: { "ubuntu-24.04": { x86_64: "u24" } },
    defaults: { region: "here", image: "ubuntu-24.04", sshUser: "root" },
    userDataMaxBytes: 1000,
  },
  create() {
    return { id: "x", publicIp: undefined, privateIp: undefined, details: {} };
  },
});
