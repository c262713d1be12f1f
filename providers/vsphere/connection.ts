/**
 * The vSphere connection from provider config or the environment, named as the official vSphere
 * provider names them, so users migrating from it find them. Never a resource input, never in state.
 */

/** Where and as whom to connect: from provider config or the environment, never from resource inputs. */
export interface Connection {
  /** Host name or address of vCenter (or ESXi), optionally with `:port`. */
  server: string;
  user: string;
  password: string;
  allowUnverifiedSsl: boolean;
}

export const CONFIG_KEYS = {
  server: "vsphere:vsphereServer",
  user: "vsphere:user",
  password: "vsphere:password",
  allowUnverifiedSsl: "vsphere:allowUnverifiedSsl",
} as const;

export const ENV_VARS = {
  server: "VSPHERE_SERVER",
  user: "VSPHERE_USER",
  password: "VSPHERE_PASSWORD",
  allowUnverifiedSsl: "VSPHERE_ALLOW_UNVERIFIED_SSL",
} as const;

const truthy = (v: string | undefined) => v !== undefined && /^(true|1|yes)$/i.test(v.trim());

/** Config first, then the environment; throws naming every missing key and variable. */
export function connectionFrom(config: (key: string) => string | undefined, env: NodeJS.ProcessEnv): Connection {
  const pick = (k: keyof typeof CONFIG_KEYS) => config(CONFIG_KEYS[k]) ?? env[ENV_VARS[k]] ?? undefined;
  const server = pick("server");
  const user = pick("user");
  const password = pick("password");
  const missing = (["server", "user", "password"] as const)
    .filter((k) => !{ server, user, password }[k])
    .map((k) => `${CONFIG_KEYS[k]} (or ${ENV_VARS[k]})`);
  if (missing.length > 0)
    throw new Error(
      `vSphere connection incomplete: set ${missing.join(", ")}; the password with pulumi config set --secret`,
    );
  return { server: server!, user: user!, password: password!, allowUnverifiedSsl: truthy(pick("allowUnverifiedSsl")) };
}

/** The server as recorded in a VM's state: host[:port], without scheme or path. */
export function serverName(server: string): string {
  return server
    .replace(/^https?:\/\//, "")
    .replace(/\/sdk\/?$/, "")
    .replace(/\/$/, "");
}
