// Local settings. Provisioning uploads its own config.js next to the pages on
// the S3 website (apiBaseUrl = the stage's API), so this file is for `chalice
// local` only: an empty apiBaseUrl means "the page's own origin".
// operatorPhone/operatorHours: the operators' line the chat offers when a
// request ends without a yes (an example number here; set the real one per stage).
window.PARTNERLINE_CONFIG = window.PARTNERLINE_CONFIG || {
  apiBaseUrl: "", operatorPhone: "02-0000-0000", operatorHours: "매일 9시~18시"
};
