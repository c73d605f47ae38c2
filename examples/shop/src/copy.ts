/**
 * Every button, heading and message a shopper reads and a flow may depend on. `startShop({ copy })`
 * overrides any of them, which is how tests rename "Add to cart" and watch exactly the flows that
 * use it fail.
 */
export interface ShopCopy {
  shopName: string;
  tagline: string;
  heroTitle: string;
  heroText: string;
  heroCta: string;
  featuredHeading: string;
  catalogHeading: string;
  searchLabel: string;
  categoryLabel: string;
  allCategories: string;
  sortLabel: string;
  applyFilters: string;
  noResults: string;
  addToCart: string;
  soldOut: string;
  quantityLabel: string;
  addedToCart: string;
  viewCart: string;
  relatedHeading: string;
  cartHeading: string;
  cartEmpty: string;
  continueShopping: string;
  updateCart: string;
  removeItem: string;
  proceedToCheckout: string;
  checkoutHeading: string;
  placeOrder: string;
  checkoutErrorSummary: string;
  orderConfirmedHeading: string;
  signupHeading: string;
  createAccount: string;
  signupEmailTaken: string;
  loginHeading: string;
  logIn: string;
  logOut: string;
  loginFailed: string;
  accountHeading: string;
  ordersHeading: string;
  noOrders: string;
  notFoundHeading: string;
  notFoundText: string;
  backHome: string;
  errorRequired: string;
  errorEmail: string;
  errorCardNumber: string;
  errorExpiry: string;
  errorCvc: string;
  errorTerms: string;
  errorPassword: string;
  errorCountry: string;
}

export const defaultCopy: ShopCopy = {
  shopName: "Lumen & Oak",
  tagline: "Quiet goods for warm homes",
  heroTitle: "Light, wood and linen for slow evenings",
  heroText:
    "Lamps, furniture and textiles made by small workshops, chosen to last for years. Free shipping on orders over $100.",
  heroCta: "Shop the collection",
  featuredHeading: "Featured this season",
  catalogHeading: "All products",
  searchLabel: "Search products",
  categoryLabel: "Category",
  allCategories: "All categories",
  sortLabel: "Sort by",
  applyFilters: "Apply",
  noResults: "No products match your search.",
  addToCart: "Add to cart",
  soldOut: "Sold out",
  quantityLabel: "Quantity",
  addedToCart: "Added to your cart",
  viewCart: "View cart",
  relatedHeading: "You might also like",
  cartHeading: "Your cart",
  cartEmpty: "Your cart is empty.",
  continueShopping: "Continue shopping",
  updateCart: "Update",
  removeItem: "Remove",
  proceedToCheckout: "Proceed to checkout",
  checkoutHeading: "Checkout",
  placeOrder: "Place order",
  checkoutErrorSummary: "Please correct the highlighted fields.",
  orderConfirmedHeading: "Thank you for your order",
  signupHeading: "Create an account",
  createAccount: "Create account",
  signupEmailTaken: "An account with this email already exists.",
  loginHeading: "Log in",
  logIn: "Log in",
  logOut: "Log out",
  loginFailed: "Email or password is incorrect.",
  accountHeading: "Your account",
  ordersHeading: "Your orders",
  noOrders: "You have not placed any orders yet.",
  notFoundHeading: "Page not found",
  notFoundText: "We could not find the page you were looking for. It may have moved, or never existed.",
  backHome: "Back to the home page",
  errorRequired: "This field is required.",
  errorEmail: "Enter a valid email address.",
  errorCardNumber: "Enter a valid card number.",
  errorExpiry: "Enter a future expiry date as MM/YY.",
  errorCvc: "Enter the 3 or 4 digit security code.",
  errorTerms: "Accept the terms of sale to continue.",
  errorPassword: "Use at least 8 characters.",
  errorCountry: "Choose a country we ship to.",
};

export function resolveCopy(overrides: Partial<ShopCopy> = {}): ShopCopy {
  return { ...defaultCopy, ...overrides };
}
