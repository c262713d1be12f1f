/** The failure classifier on error messages as each platform (and Machina itself) writes them. */
import { describe, expect, it } from "vitest";
import { LiveLockError } from "../../dist/automation/recover";
import {
  MissingPrerequisiteError,
  StackFileError,
  UnknownProviderError,
  ValidationError,
} from "../../dist/core/errors";
import {
  classifyError,
  classifyFailure,
  FAILURE_CLASSES,
  FAILURE_RULES,
  retryAfterSeconds,
} from "../../dist/core/failure";

type Row = [
  source: string,
  message: string,
  cls: (typeof FAILURE_CLASSES)[number],
  retryable: boolean,
  retryAfter?: number,
];

const CASES: Row[] = [
  // Machina and the engine: a preview expected to find nothing
  ["machina", "preview found changes where none were expected: create 1, update 2", "unexpected-changes", false],
  ["pulumi", "error: no changes were expected but changes were proposed", "unexpected-changes", false],
  // AWS
  [
    "aws",
    "creating EC2 Instance: operation error EC2: RunInstances, https response error StatusCode: 401, RequestID: 5f1c, api error AuthFailure: AWS was not able to validate the provided access credentials",
    "credentials",
    false,
  ],
  [
    "aws",
    "no valid credential sources for Pulumi AWS Classic found.\n\nPlease see https://www.pulumi.com/registry/packages/aws/installation-configuration/",
    "credentials",
    false,
  ],
  [
    "aws",
    "api error UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:iam::123:user/ci is not authorized to perform: ec2:RunInstances",
    "credentials",
    false,
  ],
  [
    "aws",
    "api error VcpuLimitExceeded: You have requested more vCPU capacity than your current vCPU limit of 32 allows for the instance bucket that the specified instance type belongs to.",
    "quota",
    false,
  ],
  [
    "aws",
    "api error InsufficientInstanceCapacity: We currently do not have sufficient t4g.nano capacity in the Availability Zone you requested (eu-central-1a).",
    "quota",
    true,
  ],
  [
    "aws",
    "operation error EC2: DescribeInstances, https response error StatusCode: 503, api error RequestLimitExceeded: Request limit exceeded.",
    "rate-limit",
    true,
  ],
  ["aws", "api error InvalidAMIID.NotFound: The image id '[ami-0abc1234]' does not exist", "not-found", false],
  [
    "aws",
    "api error InvalidParameterValue: Value (t9.huge) for parameter instanceType is invalid.",
    "invalid-spec",
    false,
  ],
  [
    "aws",
    "api error InvalidKeyPair.Duplicate: The keypair 'machina-shop-prod-ssh-1a2b' already exists.",
    "conflict",
    false,
  ],
  [
    "aws",
    "api error IncorrectInstanceState: The instance 'i-0abc' is not in a state from which it can be stopped.",
    "conflict",
    true,
  ],
  [
    "aws",
    "operation error EC2: RunInstances, https response error StatusCode: 500, RequestID: 77, api error InternalError: An internal error has occurred",
    "platform",
    true,
  ],
  // GCP
  [
    "gcp",
    "googleapi: Error 403: Quota 'CPUS' exceeded.  Limit: 8.0 in region europe-west1., quotaExceeded",
    "quota",
    false,
  ],
  ["gcp", "googleapi: Error 403: Rate Limit Exceeded, rateLimitExceeded", "rate-limit", true],
  [
    "gcp",
    "googleapi: Error 404: The resource 'projects/shop/global/images/debian-99' was not found, notFound",
    "not-found",
    false,
  ],
  [
    "gcp",
    "googleapi: Error 401: Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
    "credentials",
    false,
  ],
  [
    "gcp",
    "attempted to load application default credentials since neither `credentials` nor `access_token` was set in the provider block. No credentials loaded. google: could not find default credentials.",
    "credentials",
    false,
  ],
  [
    "gcp",
    "googleapi: Error 400: Invalid value for field 'resource.name': 'Web_1'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)', invalid",
    "invalid-spec",
    false,
  ],
  [
    "gcp",
    "Error waiting for instance to create: The zone 'projects/shop/zones/europe-west1-b' does not have enough resources available to fulfill the request.  '(resource type:compute)'. ZONE_RESOURCE_POOL_EXHAUSTED",
    "quota",
    true,
  ],
  ["gcp", "googleapi: Error 503: The service is currently unavailable., backendError", "platform", true],
  // Azure
  [
    "azure",
    "AuthorizationFailed: The client 'ci' with object id '0000' does not have authorization to perform action 'Microsoft.Compute/virtualMachines/write' over scope '/subscriptions/x'",
    "credentials",
    false,
  ],
  [
    "azure",
    "OperationNotAllowed: Operation could not be completed as it results in exceeding approved Total Regional Cores quota. Location: westeurope, Current Limit: 10, Current Usage: 8, Additional Required: 4",
    "quota",
    false,
  ],
  ["azure", "ResourceGroupNotFound: Resource group 'machina-shop-prod' could not be found.", "not-found", false],
  [
    "azure",
    "TooManyRequests: The request is being throttled as the limit has been reached for operation type - Write_ObservationWindow_00:05:00. Retry-After: 17",
    "rate-limit",
    true,
    17,
  ],
  [
    "azure",
    "SkuNotAvailable: The requested VM size for resource 'Following SKUs have failed for Capacity Restrictions: Standard_B1s' is currently not available in location 'westeurope'.",
    "quota",
    false,
  ],
  [
    "azure",
    "InternalServerError: An unexpected error occured while processing the request. Tracking id: 'a1b2'",
    "platform",
    true,
  ],
  // Hetzner
  ["hetzner", "unable to authenticate (unauthorized)", "credentials", false],
  ["hetzner", "server limit reached (resource_limit_exceeded)", "quota", false],
  ["hetzner", "limit of 3600 requests per hour reached (rate_limit_exceeded), retry after 30s", "rate-limit", true, 30],
  ["hetzner", "image not found (not_found)", "not-found", false],
  ["hetzner", "SSH key with the same fingerprint already exists (uniqueness_error)", "conflict", false],
  ["hetzner", "server is locked by another action (locked)", "conflict", true],
  ["hetzner", "invalid input in field 'server_type' (invalid_input)", "invalid-spec", false],
  // DigitalOcean
  [
    "digitalocean",
    'POST https://api.digitalocean.com/v2/droplets: 401 (request "4c1f") Unable to authenticate you',
    "credentials",
    false,
  ],
  [
    "digitalocean",
    'POST https://api.digitalocean.com/v2/droplets: 422 (request "9a") creating this/these droplet(s) will exceed your droplet limit',
    "quota",
    false,
  ],
  [
    "digitalocean",
    'GET https://api.digitalocean.com/v2/droplets/1: 429 (request "77") Too many requests; retry in 2 minutes',
    "rate-limit",
    true,
    120,
  ],
  [
    "digitalocean",
    'GET https://api.digitalocean.com/v2/images/debian-99: 404 (request "8") The resource you were accessing could not be found.',
    "not-found",
    false,
  ],
  [
    "digitalocean",
    'POST https://api.digitalocean.com/v2/droplets: 422 (request "c") You specified an invalid size for Droplet creation.',
    "invalid-spec",
    false,
  ],
  // libvirt
  [
    "libvirt",
    "error: failed to get domain 'shop-dev-web'\nerror: Domain not found: no domain with matching name 'shop-dev-web'",
    "not-found",
    false,
  ],
  [
    "libvirt",
    "error: Failed to start domain 'shop-dev-web'\nerror: Timed out during operation: cannot acquire state change lock (held by monitor=remoteDispatchDomainCreateWithFlags)",
    "conflict",
    true,
  ],
  [
    "libvirt",
    "error: failed to connect to the hypervisor\nerror: Failed to connect socket to '/var/run/libvirt/virtqemud-sock': No such file or directory",
    "platform",
    true,
  ],
  [
    "libvirt",
    "error: Failed to define domain from domain.xml\nerror: XML error: Invalid value for attribute 'type' in element 'disk': 'floppyx'.",
    "invalid-spec",
    false,
  ],
  [
    "libvirt",
    "error: Failed to start domain 'x'\nerror: internal error: process exited while connecting to monitor: qemu: Could not open '/srv/base.qcow2': Permission denied",
    "platform",
    false,
  ],
  [
    "libvirt",
    "error: Failed to start domain 'x'\nerror: internal error: qemu unexpectedly closed the monitor: char device redirected",
    "platform",
    true,
  ],
  [
    "libvirt",
    "error: Failed to start domain 'x'\nerror: Requested operation is not valid: network 'default' is not active",
    "platform",
    false,
  ],
  [
    "libvirt",
    "error: Failed to start domain 'x'\nerror: Requested operation is not valid: domain is already running",
    "conflict",
    false,
  ],
  [
    "libvirt",
    'qemu-img: /srv/x/disk.qcow2: Failed to get "write" lock\nIs another process using the image [/srv/x/disk.qcow2]?',
    "conflict",
    true,
  ],
  // Kubernetes / KubeVirt
  ["kubernetes", "Unauthorized", "credentials", false],
  [
    "kubernetes",
    'virtualmachines.kubevirt.io is forbidden: User "system:serviceaccount:ci:deployer" cannot create resource "virtualmachines" in API group "kubevirt.io" in the namespace "vms"',
    "credentials",
    false,
  ],
  [
    "kubernetes",
    'virtualmachineinstances.kubevirt.io "web" is forbidden: exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=7, limited: requests.cpu=8',
    "quota",
    false,
  ],
  ["kubernetes", 'virtualmachines.kubevirt.io "web" not found', "not-found", false],
  [
    "kubernetes",
    "the server could not find the requested resource (post virtualmachines.kubevirt.io)",
    "not-found",
    false,
  ],
  [
    "kubernetes",
    "admission webhook \"virtualmachine-validator.kubevirt.io\" denied the request: spec.template.spec.domain.devices.disks[0].disk.bus 'floppy' is not supported",
    "invalid-spec",
    false,
  ],
  [
    "kubernetes",
    'Operation cannot be fulfilled on virtualmachines.kubevirt.io "web": the object has been modified; please apply your changes to the latest version and try again',
    "conflict",
    true,
  ],
  [
    "kubernetes",
    "the server has received too many requests and has asked us to try again later (get virtualmachines.kubevirt.io web)",
    "rate-limit",
    true,
  ],
  ["kubernetes", "etcdserver: request timed out", "timeout", true],
  ["kubernetes", "0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available", "quota", true],
  // vSphere (Machina's SOAP layer)
  [
    "vsphere",
    'vSphere refused the login of user "u" at vc.example (InvalidLogin): check vsphere:user and vsphere:password (or VSPHERE_USER and VSPHERE_PASSWORD)',
    "credentials",
    false,
  ],
  [
    "vsphere",
    'creating vSphere VM shop-prod-web failed (cleaned up): the template "templates/debian-12" does not exist in datacenter DC0 on vc.example',
    "not-found",
    false,
  ],
  [
    "vsphere",
    "vSphere task task-9 (clone shop-prod-web) did not finish within 120 s (state running, 40%); it may still be running in vCenter",
    "timeout",
    true,
  ],
  // Machina and the engine
  [
    "machina",
    "machine did not answer on 127.0.0.1:2222 within 180 s (57 attempts, last: connection refused). Check that the service starts on boot and that port 2222 is open, or raise waitForReady.timeoutSeconds.",
    "timeout",
    true,
  ],
  [
    "machina",
    "another `up` of this stack is running, pid 4242 since 2026-05-01T10:00:00Z: wait until it ends, then run again",
    "conflict",
    true,
  ],
  [
    "engine",
    "code: 255\n stderr: error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.",
    "conflict",
    true,
  ],
  [
    "engine",
    "The rel provider plugin: no resource plugin 'hcloud' found in the workspace at version v1.41.0",
    "not-found",
    false,
  ],
  ["engine", "Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT", "not-found", false],
  [
    "engine",
    "error: stack names may only contain alphanumeric, hyphens, underscores, or periods: invalid stack name",
    "invalid-spec",
    false,
  ],
  ["unknown", "something odd happened", "unknown", false],
];

describe("failure classes", () => {
  it.each(CASES)("%s: %s", (_source, message, cls, retryable, retryAfter) => {
    const f = classifyFailure(message);
    expect(f.class).toBe(cls);
    expect(f.retryable).toBe(retryable);
    expect(f.retryAfterSeconds).toBe(retryAfter);
    expect(f.hint.length).toBeGreaterThan(10);
  });

  it("covers every class with at least one message, and every rule names a known class", () => {
    for (const cls of FAILURE_CLASSES)
      expect(
        CASES.some((c) => c[2] === cls),
        cls,
      ).toBe(true);
    for (const rule of FAILURE_RULES) expect(FAILURE_CLASSES).toContain(rule.class);
  });

  it("Machina's own errors by their kind, whatever their text mentions", () => {
    const invalid = new ValidationError('Machine "web" on hetzner', [
      {
        field: "web.waitForReady.timeoutSeconds",
        value: "0",
        allowed: "a number of seconds from 1 to 3600",
        fix: "use e.g. 300 (a timeout)",
      },
    ]);
    expect(classifyError(invalid)).toMatchObject({ class: "invalid-spec", retryable: false });
    expect(classifyFailure(invalid.message).class).toBe("invalid-spec");
    expect(classifyError(new UnknownProviderError("vultr", ["aws"])).class).toBe("invalid-spec");
    expect(
      classifyError(
        new StackFileError("stacks/Pulumi.qa.yaml", [{ line: 3, column: 5, message: "Map keys must be unique" }]),
      ).class,
    ).toBe("invalid-spec");
    expect(classifyError(new LiveLockError("qa", [{ file: "x", pid: 7, live: true }]))).toMatchObject({
      class: "conflict",
      retryable: true,
    });
    const creds = new MissingPrerequisiteError("hetzner", [
      "missing Hetzner Cloud API token: `pulumi config set --secret hcloud:token <value> --stack prod` or export HCLOUD_TOKEN.",
    ]);
    expect(classifyError(creds)).toMatchObject({ class: "credentials", retryable: false });
    const tool = new MissingPrerequisiteError("libvirt", [
      "the command virsh is not on PATH: apt-get install libvirt-clients",
    ]);
    expect(classifyError(tool)).toMatchObject({ class: "not-found", retryable: false });
  });

  it("a command's error output decides, not the command line it repeats", () => {
    const e = Object.assign(new Error("virsh dominfo shop-locked-notfound: error: Failed to connect socket"), {
      stderr: "error: Failed to connect socket to '/var/run/libvirt/libvirt-sock': Connection refused",
    });
    expect(classifyError(e)).toMatchObject({ class: "platform", retryable: true });
  });

  it("reads how long to wait", () => {
    expect(retryAfterSeconds("Retry-After: 30")).toBe(30);
    expect(retryAfterSeconds("please retry after 45s")).toBe(45);
    expect(retryAfterSeconds("try again in 2 minutes")).toBe(120);
    expect(retryAfterSeconds("retry in 1500ms")).toBe(2);
    expect(retryAfterSeconds("waitForReady: true")).toBeUndefined();
    expect(retryAfterSeconds("nothing to wait for")).toBeUndefined();
  });
});
