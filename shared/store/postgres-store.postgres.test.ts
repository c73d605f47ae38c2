import { describe } from "vitest";
import { describeStoreContract } from "./testing/contract/index.ts";

// Starts its own PostgreSQL 15 server (Debian's binaries); fails, with how to install them, when absent.
describe("Postgres store on PostgreSQL 15", () => {
  describeStoreContract("postgres");
});
