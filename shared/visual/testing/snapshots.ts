import type { DomSnapshot, SnapshotElement } from "../dom-snapshot.ts";

/** A small page snapshot (header nav, hero, benefits, footer) that tests change one thing at a time. */
export function shopSnapshot(): DomSnapshot {
  const el = (
    e: Partial<SnapshotElement> & Pick<SnapshotElement, "kind" | "text" | "path">,
  ): SnapshotElement => ({
    tag:
      e.kind === "heading"
        ? `h${e.level ?? 2}`
        : e.kind === "section"
          ? "section"
          : e.kind === "link"
            ? "a"
            : "button",
    section: "",
    box: { x: 0, y: 0, width: 100, height: 20 },
    ...e,
  });
  return {
    url: "http://shop.test/",
    title: "Home — Lumen & Oak",
    description: "Quiet goods for warm homes",
    width: 1280,
    height: 1000,
    elements: [
      el({
        kind: "section",
        tag: "nav",
        role: "navigation",
        text: "Main",
        path: "header>div>nav",
        box: { x: 300, y: 10, width: 500, height: 40 },
      }),
      ...["Shop", "Lighting", "Furniture", "About"].map((text, i) =>
        el({
          kind: "link",
          text,
          href: `/${text.toLowerCase()}`,
          section: "Main",
          path: `header>div>nav>ul>li:nth-of-type(${i + 1})>a`,
          box: { x: 300 + i * 100, y: 20, width: 80, height: 20 },
        }),
      ),
      el({
        kind: "section",
        text: "Light, wood and linen",
        path: "main>section:nth-of-type(1)",
        box: { x: 0, y: 80, width: 1280, height: 400 },
      }),
      el({
        kind: "heading",
        level: 1,
        key: "#hero-title",
        text: "Light, wood and linen",
        section: "Light, wood and linen",
        path: "main>section:nth-of-type(1)>div>h1",
        box: { x: 40, y: 120, width: 600, height: 60 },
      }),
      el({
        kind: "cta",
        tag: "a",
        text: "Shop the collection",
        href: "/products",
        section: "Light, wood and linen",
        path: "main>section:nth-of-type(1)>div>p>a",
        box: { x: 40, y: 300, width: 200, height: 48 },
        style: { color: "rgb(255, 255, 255)", "background-color": "rgb(47, 74, 58)" },
      }),
      el({
        kind: "section",
        text: "Why shop with us",
        path: "main>section:nth-of-type(2)",
        box: { x: 0, y: 500, width: 1280, height: 200 },
      }),
      el({
        kind: "heading",
        level: 2,
        text: "Free shipping",
        section: "Why shop with us",
        path: "main>section:nth-of-type(2)>ul>li:nth-of-type(1)>h2",
        box: { x: 40, y: 520, width: 300, height: 30 },
      }),
      el({
        kind: "heading",
        level: 2,
        text: "30-day returns",
        section: "Why shop with us",
        path: "main>section:nth-of-type(2)>ul>li:nth-of-type(2)>h2",
        box: { x: 400, y: 520, width: 300, height: 30 },
      }),
      el({
        kind: "image",
        tag: "img",
        text: "Aurora lamp",
        src: "/img/aurora.png",
        section: "",
        path: "main>img",
        box: { x: 40, y: 720, width: 300, height: 200 },
      }),
    ],
  };
}
