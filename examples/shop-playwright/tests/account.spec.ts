import { ADA, expect, test } from "../fixtures/shop.ts";
import { LoginPage } from "../pages/login-page.ts";

test.describe("login", () => {
  test("Ada logs in and lands on her account", { tag: "@critical" }, async ({ page }) => {
    await page.goto("/");
    await page.getByRole("link", { name: "Log in" }).click();
    await new LoginPage(page).logIn(ADA.email, ADA.password);
    await expect(page).toHaveURL(/\/account$/);
    await expect(page.getByTestId("account-email")).toHaveText(ADA.email);
  });

  test("a wrong password is refused", async ({ page }) => {
    const login = new LoginPage(page);
    await login.open();
    await login.logIn(ADA.email, "battery staple");
    await expect(page.getByRole("alert")).toHaveText("Email or password is incorrect.");
    await expect(page.getByLabel("Email")).toHaveValue(ADA.email);
  });
});

test("Ada opens a past order", { tag: "@medium" }, async ({ signedIn: _signedIn, page }) => {
  await expect(page.getByTestId("order-row")).toHaveCount(2);
  await page.getByRole("link", { name: "Order #1001" }).click();
  await expect(page).toHaveURL(/\/orders\/1001$/);
  await expect(page.getByTestId("order-total")).toHaveText("$103.00");
});

test.describe("signup", () => {
  test("a newcomer creates an account", { tag: "@high" }, async ({ page }) => {
    await page.goto("/signup");
    await page.getByLabel("Full name").fill("Grace Hopper");
    await page.getByLabel("Email").fill(`grace-${Date.now()}@example.com`);
    await page.getByLabel("Password").fill("cobol forever");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("Welcome, Grace Hopper! Your account is ready.")).toBeVisible();
    await expect(page.getByText("You have not placed any orders yet.")).toBeVisible();
  });

  test("an email that has an account is refused", async ({ page }) => {
    await page.goto("/signup");
    await page.getByLabel("Full name").fill(ADA.name);
    await page.getByLabel("Email").fill(ADA.email);
    await page.getByLabel("Password").fill("another long password");
    await page.getByRole("button", { name: "Create account" }).click();
    await expect(page.getByText("An account with this email already exists.")).toBeVisible();
  });
});
