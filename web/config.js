// Local settings. Provisioning uploads its own config.js next to the pages on
// the S3 website (apiBaseUrl = the stage's API), so this file is for `chalice
// local` only: an empty apiBaseUrl means "the page's own origin".
window.PARTNERLINE_CONFIG = window.PARTNERLINE_CONFIG || { apiBaseUrl: "" };
