/**
 * `machina validate -p vsphere`: asks the server whether it can host machines: the login, the API
 * version, the datacenter, and the template of each image the environment's machines use (the default
 * image's when none is named). Returns problems, empty when fine.
 */
import catalog from "./catalog.json";
import { connectionFrom } from "./connection";
import { findTemplate, resolvePlacement } from "./placement";
import { Vim } from "./vim";

/** vSphere 6.5 is the oldest API with the tagging REST endpoints Machina uses. */
const MIN_API = [6, 5];

export async function probeVsphere(
  env: NodeJS.ProcessEnv,
  config: (key: string) => string | undefined = () => undefined,
  images: string[] = [],
): Promise<{ problems: string[]; facts: string[] }> {
  let connection;
  try {
    connection = connectionFrom(config, env);
  } catch {
    // Missing credentials are reported by the prerequisite check, with the keys to set.
    return { problems: [], facts: ["vSphere not asked: no complete connection (server, user, password)"] };
  }
  const vim = Vim.forConnection(connection, { attempts: 2, startingDelayMs: 500, maxDelayMs: 1_000 });
  const problems: string[] = [];
  const facts: string[] = [];
  try {
    await vim.login();
    const about = vim.about();
    const [major, minor] = (about.apiVersion ?? "0.0").split(".").map(Number);
    if (major < MIN_API[0] || (major === MIN_API[0] && minor < MIN_API[1]))
      problems.push(
        `${connection.server} speaks vSphere API ${about.apiVersion} (${about.fullName}); Machina needs 6.5 or later`,
      );
    facts.push(`${connection.server}: ${about.fullName} (API ${about.apiVersion})`);
    const placement = await resolvePlacement(vim, {
      datacenter: config("vsphere:datacenter") ?? env.VSPHERE_DATACENTER,
      network: config("vsphere:network"),
    });
    const wanted =
      images.length > 0 ? images : [catalog.images[catalog.defaults.image as keyof typeof catalog.images].x86_64];
    for (const image of wanted) {
      if (!(await findTemplate(vim, placement.datacenter.name, image)))
        problems.push(
          `no template ${JSON.stringify(image)} in datacenter ${placement.datacenter.name} (looked for ${image.startsWith("/") || /^vm-\d+$/.test(image) ? image : `/${placement.datacenter.name}/vm/${image}`}): create that template, or give the machine image: { id: "<template path>" }`,
        );
    }
  } catch (e) {
    problems.push(`vSphere at ${connection.server}: ${(e as Error).message}`);
  } finally {
    await vim.logout();
  }
  return { problems, facts };
}
