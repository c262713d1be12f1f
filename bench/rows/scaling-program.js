/**
 * The programs the scaling rows run, one fresh Node process each, under Pulumi mocks. Both sides
 * load the same modules (Pulumi, Machina, the provider module and its SDK modules) before the clock
 * starts; then N machines are declared and every output awaited. Printed: CPU and wall time of that
 * phase, the process's peak memory, the number of invokes (data-source lookups) the mocks answered.
 *
 * The hand-written side registers the same cloud resources with the same inputs a Machine of this spec
 * registers (the mocks see byte-identical inputs but for the names of the shared firewall and key pair):
 * on AWS that includes the InstanceState a Machine keeps for stop/start. Set BENCH_NO_POWER=1 to leave
 * that resource out of the hand-written program (what a user who never stops a machine would write).
 *
 *   node scaling-program.js <machina|wrapped|unwrapped> <hetzner|aws> <count>
 */
const path = require("node:path");
const ROOT = path.resolve(__dirname, "../..");
const [side, provider, countText] = process.argv.slice(2);
const count = Number(countText);
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk3m0d0Zb8o9H0vJ3yqvY3wQmQ5b6r9fL3e0Jm1xYzA bench@machina";
// The user data a Machine sends: its keys as cloud-config (Hetzner also turns password login off).
const USER_DATA_HETZNER = `#cloud-config\nssh_authorized_keys:\n  - ${KEY}\nssh_pwauth: false\n`;
const USER_DATA_AWS = `#cloud-config\nssh_authorized_keys:\n  - ${KEY}\n`;
const LABELS = { app: "bench", "managed-by": "machina" };
const MANAGED = { "managed-by": "machina" };
const POWER = process.env.BENCH_NO_POWER !== "1";

const pulumi = require("@pulumi/pulumi");
let invokes = 0;
pulumi.runtime.setMocks(
  {
    newResource: (a) => ({
      id: `${a.name}-id`,
      state: { ...a.inputs, ipv4Address: "203.0.113.10", publicIp: "203.0.113.10", privateIp: "10.0.0.10" },
    }),
    call: (a) => {
      invokes++;
      return { ...a.inputs, id: a.token.includes("getAmi") ? "ami-0123456789abcdef0" : "vpc-0123456789" };
    },
  },
  "bench",
  "bench",
  false,
);

const { Machine } = require(path.join(ROOT, "dist/index.js"));
require(path.join(ROOT, `dist/providers/${provider}/index.js`));
require(path.join(ROOT, `dist/providers/${provider}/resources.js`));
const hcloud =
  provider === "hetzner"
    ? { Server: require("@pulumi/hcloud/server").Server, Firewall: require("@pulumi/hcloud/firewall").Firewall }
    : undefined;
const aws =
  provider === "aws"
    ? {
        Instance: require("@pulumi/aws/ec2/instance").Instance,
        SecurityGroup: require("@pulumi/aws/ec2/securityGroup").SecurityGroup,
        KeyPair: require("@pulumi/aws/ec2/keyPair").KeyPair,
        InstanceState: require("@pulumi/aws/ec2transitgateway/instanceState").InstanceState,
        getAmiOutput: require("@pulumi/aws/ec2/getAmi").getAmiOutput,
        getVpcOutput: require("@pulumi/aws/ec2/getVpc").getVpcOutput,
      }
    : undefined;

class Wrapper extends pulumi.ComponentResource {
  constructor(name, build) {
    super("bench:index:Server", name, {}, {});
    this.address = build(this);
    this.registerOutputs({ address: this.address });
  }
}

/** The same resources a Machine makes, written by hand: one shared firewall/key, and the server (AWS: its group and power state). */
function handWritten(wrap) {
  const place = (name, build) => (wrap ? new Wrapper(name, build).address : build(undefined));
  const out = [];
  if (hcloud) {
    const rules = [22, 443].map((port) => ({
      direction: "in",
      protocol: "tcp",
      port: String(port),
      sourceIps: ["0.0.0.0/0", "::/0"],
    }));
    const fw = new hcloud.Firewall("fw", { name: "bench-bench-fw", rules, labels: MANAGED });
    const firewallIds = [fw.id.apply(Number)];
    for (let i = 0; i < count; i++) {
      out.push(
        place(`web${i}`, (parent) => {
          const s = new hcloud.Server(
            `web${i}`,
            {
              name: `bench-bench-web${i}`,
              serverType: "cx23",
              image: "ubuntu-24.04",
              location: "fsn1",
              sshKeys: [],
              userData: USER_DATA_HETZNER,
              labels: LABELS,
              firewallIds,
              publicNets: [{ ipv4Enabled: true, ipv6Enabled: true }],
            },
            { parent, deleteBeforeReplace: true },
          );
          return s.ipv4Address;
        }),
      );
    }
  } else {
    const region = "us-east-1";
    const ami = aws.getAmiOutput({
      owners: ["099720109477"],
      mostRecent: true,
      region,
      filters: [
        { name: "name", values: ["ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*"] },
        { name: "architecture", values: ["x86_64"] },
        { name: "virtualization-type", values: ["hvm"] },
        { name: "root-device-type", values: ["ebs"] },
      ],
    }).id;
    const vpcId = aws.getVpcOutput({ default: true, region }).id;
    const key = new aws.KeyPair("key", { keyName: "bench-bench", publicKey: KEY, region, tags: MANAGED });
    const everywhere = { cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] };
    for (let i = 0; i < count; i++) {
      out.push(
        place(`web${i}`, (parent) => {
          const sg = new aws.SecurityGroup(
            `web${i}-sg`,
            {
              name: `bench-bench-web${i}`,
              description: `Machina bench-bench-web${i}`,
              vpcId,
              region,
              ingress: [22, 443].map((p) => ({
                protocol: "tcp",
                fromPort: p,
                toPort: p,
                ...everywhere,
                description: "machina",
              })),
              egress: [{ protocol: "-1", fromPort: 0, toPort: 0, ...everywhere }],
              tags: { ...LABELS, Name: `bench-bench-web${i}` },
            },
            { parent },
          );
          const vm = new aws.Instance(
            `web${i}`,
            {
              ami,
              instanceType: "t3.small",
              region,
              vpcSecurityGroupIds: [sg.id],
              keyName: key.keyName,
              userData: USER_DATA_AWS,
              userDataReplaceOnChange: true,
              associatePublicIpAddress: true,
              rootBlockDevice: { volumeSize: 20, volumeType: "gp3", encrypted: true, deleteOnTermination: true },
              tags: { ...LABELS, Name: `bench-bench-web${i}` },
            },
            { parent, ignoreChanges: ["ami"], replacementTrigger: "ubuntu-24.04" },
          );
          if (POWER)
            new aws.InstanceState(`web${i}-power`, { instanceId: vm.id, region, state: "running" }, { parent });
          return vm.publicIp;
        }),
      );
    }
  }
  return out;
}

function withMachina() {
  const out = [];
  const spec =
    provider === "hetzner"
      ? { provider, size: "small", image: "ubuntu-24.04", region: "fsn1" }
      : { provider, size: "small", image: "ubuntu-24.04", region: "us-east-1" };
  for (let i = 0; i < count; i++) {
    const m = new Machine(`web${i}`, { ...spec, sshKeys: [KEY], ports: [443], labels: { app: "bench" } });
    out.push(m.publicIp);
  }
  return out;
}

(async () => {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const outputs = side === "machina" ? withMachina() : handWritten(side === "wrapped");
  await new Promise((resolve) => pulumi.all(outputs).apply(resolve));
  // Everything registered (components' outputs too) before the clock stops.
  await pulumi.runtime.disconnect();
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(
    JSON.stringify({
      cpuMs: (cpu.user + cpu.system) / 1000,
      ms: Number(process.hrtime.bigint() - t0) / 1e6,
      rssMiB: process.resourceUsage().maxRSS / 1024,
      invokes,
    }),
  );
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
