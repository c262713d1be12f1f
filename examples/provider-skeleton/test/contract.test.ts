/** The provider passes the contract suite Machina's own providers pass (docs/provider-contract.md). */
import { beforeAll, describe, expect, it } from "vitest";
import { providerContractSuite } from "pulumi-machina/testing";
import acme from "../src/index";

providerContractSuite(
  { describe, it, beforeAll, expect },
  {
    providers: [acme],
    // What Acme computes for a server, as the real platform would answer: its public address.
    platformState: (type, _name, id) =>
      type === "acme:index:Server" ? { ipv4: `198.51.100.${Number(id) % 250}` } : undefined,
  },
);
