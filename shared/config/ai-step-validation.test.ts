import { describe, expect, it } from "vitest";
import { parseFlowFile } from "./project.ts";

const flowWith = (steps: string) =>
  parseFlowFile({
    path: ".perceo/flows/cart.yml",
    text: `name: cart\ndescription: Adds a lamp.\npriority: high\nsteps:\n${steps}`,
  });

describe("ai steps in flow files", () => {
  it("loads the words, and the expected outcome as `outcome`", () => {
    const { flow, issues } = flowWith(
      '  - goto: /products\n  - ai: add the cheapest lamp to the cart\n    expect: "the cart shows one lamp"\n    timeout: 60000\n',
    );
    expect(issues).toEqual([]);
    expect(flow?.steps[1]).toEqual({
      ai: "add the cheapest lamp to the cart",
      outcome: "the cart shows one lamp",
      timeout: 60000,
    });
    expect(flow?.stepLocations[1]).toMatchObject({ line: 6, col: 5 });
  });

  it("an assertion beside ai, a misspelt key and an empty ai each point at their line", () => {
    const { issues } = flowWith(
      "  - ai: add a lamp\n    expect: { visible: { text: Cart } }\n  - ai: add a lamp\n    expcet: one lamp\n  - ai: ''\n  - ia: add a lamp\n",
    );
    expect(issues.map((i) => `${i.line}:${i.col} ${i.message}`)).toEqual([
      "6:13 expect needs the outcome in words, found a mapping; an assertion such as { visible: … } goes in a step of its own",
      '8:5 unknown key "expcet" beside ai — did you mean "expect"?',
      "9:9 ai needs what the user does in words, found an empty text",
      '10:5 unknown step "ia" — did you mean "ai"?',
    ]);
  });
});
