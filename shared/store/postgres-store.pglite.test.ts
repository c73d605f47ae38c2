import { describe } from "vitest";
import { describeStoreContract } from "./testing/contract/index.ts";

describe("Postgres store on PGlite", () => {
  describeStoreContract("pglite");
});
