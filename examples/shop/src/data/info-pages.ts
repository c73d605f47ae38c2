/** The shop's static pages, linked from the footer. */
export interface InfoPage {
  path: string;
  title: string;
  paragraphs: readonly string[];
}

export const INFO_PAGES: readonly InfoPage[] = [
  {
    path: "/about",
    title: "About us",
    paragraphs: [
      "Lumen & Oak began in 2019 as a market stall in Copenhagen selling lamps made from offcuts of a furniture workshop.",
      "Today we work with fourteen small workshops across Europe. We visit every one, pay on time, and only sell what we would keep in our own homes.",
    ],
  },
  {
    path: "/shipping",
    title: "Shipping & returns",
    paragraphs: [
      "Orders ship from Hamburg within two working days. Shipping is free on orders over $100 and $8.00 otherwise.",
      "You can return anything unused within 30 days. We send a prepaid label and refund you within five days of receiving it.",
    ],
  },
  {
    path: "/contact",
    title: "Contact us",
    paragraphs: [
      "Write to hello@lumen-and-oak.example and a person will answer within one working day.",
      "Our showroom at Jægersborggade 41, Copenhagen, is open Thursday to Saturday, 11:00–18:00.",
    ],
  },
];
