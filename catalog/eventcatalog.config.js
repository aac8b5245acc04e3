/** Acme checkout: saga-lint's own example catalog (written for the saga-lint demo). */
export default {
  title: 'Acme checkout',
  tagline: 'The checkout saga: reserve inventory, authorize payment, create the order',
  organizationName: 'Acme',
  homepageLink: 'https://example.com/',
  cId: 'acme-checkout-demo',
};
