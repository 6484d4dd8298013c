/**
 * The two-pass floor (`npm run bench`): a minimal Next app with the product's Next version and
 * middleware runtime, whose middleware only passes through to a route returning a constant. What
 * an authenticated /mcp request cannot go below while middleware sits in front of the route.
 */
export default { poweredByHeader: false, skipTrailingSlashRedirect: true };
