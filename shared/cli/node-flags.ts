/**
 * The flags the CLI's Node runs with (the shebang of bin.ts and the npm scripts say the same; a test
 * holds them together). A selection keeps what it decodes or parses for 20,000 modules until it ends:
 * with Node 24's default young generation (it grows to 128 MB here) every scavenge copies tens of
 * megabytes of it again. With 8 MB semi-spaces a warm 20,000-module selection took 933-988 ms and
 * 216-223 MB instead of 1,178-1,288 ms and 290-322 MB, a cold one 2.48-2.52 s and 300-312 MB
 * instead of 2.56-2.64 s and 400-404 MB (2-core machine; 4 MB and 2 MB semi-spaces were slower).
 * The Action cannot pass flags to the runner's Node (`using: node24`); it runs with the defaults.
 */
export const CLI_NODE_FLAGS = ["--max-semi-space-size=8"] as const;
