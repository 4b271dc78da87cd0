//! Vendor names for the keyword rule: a random-looking value whose key is a
//! vendor or product name (`DATADOG=...`, `todoist = '...'`, `abbysale ...`)
//! is a credential. Two lists: the substring list of well-known vendors
//! (matched anywhere in a key by an Aho-Corasick automaton, `ADAFRUIT_IO`,
//! `sentrydsn`) and a sorted table of about 1,200 names, those of the public
//! secret scanners' detectors (facts, not code), looked up by binary search
//! on the key's words. The lookup only runs once a random-looking value has
//! been found after a key; nothing here touches clean text.

/// Vendor and product names that mark a nearby value as a credential when
/// they appear anywhere in a key without a generic credential word.
#[rustfmt::skip]
pub(crate) const VENDOR_WORDS: &[&str] = &[
    "adafruit", "adobe", "airtable", "algolia", "alibaba", "asana", "atlassian", "auth0", "azure",
    "beamer", "bitbucket", "bittrex", "cloudflare", "clojars", "codecov", "coinbase", "confluent",
    "contentful", "databricks", "datadog", "digitalocean", "discord", "doppler", "dropbox",
    "droneci", "duffel", "dynatrace", "easypost", "etsy", "facebook", "fastly", "finicity",
    "finnhub", "flickr", "flutterwave", "frameio", "freshbooks", "gitter", "gocardless", "grafana",
    "harness", "hashicorp", "heroku", "hubspot", "huggingface", "intercom", "jfrog", "artifactory",
    "kraken", "kucoin", "launchdarkly", "linear", "linkedin", "mailchimp", "mailgun", "mapbox",
    "mattermost", "messagebird", "netlify", "newrelic", "new_relic", "nytimes", "okta", "openai",
    "anthropic", "plaid", "planetscale", "postman", "prefect", "pulumi", "rapidapi", "readme",
    "rubygems", "scalingo", "sendbird", "sendgrid", "sendinblue", "sentry", "shippo", "shopify",
    "sidekiq", "slack", "snyk", "sonar", "sourcegraph", "squarespace", "sumologic", "telegram",
    "travis", "trello", "twilio", "twitch", "twitter", "typeform", "vault", "yandex", "zendesk",
    "pagerduty", "opsgenie", "honeycomb", "rollbar", "bugsnag", "logzio", "splunk", "mongodb",
    "atlas", "firebase", "supabase", "vercel", "render", "railway", "fly", "circleci", "jenkins",
    "bitrise", "buildkite", "gitlab", "github", "stripe", "paypal", "braintree", "square",
    "razorpay", "adyen", "mollie", "klarna", "zapier", "notion", "figma", "miro", "clickup",
    "monday", "jira", "confluence", "webex", "zoom", "pusher", "ably", "mux", "cloudinary",
    "imgix", "segment", "mixpanel", "amplitude", "posthog", "heap", "hotjar", "optimizely",
    "lokalise", "crowdin", "deepl", "cohere", "mistral", "replicate", "groq", "perplexity",
    "pinecone", "weaviate", "qdrant", "langchain", "langsmith", "wandb", "comet", "nvidia",
    "elevenlabs", "assemblyai", "deepgram", "rev", "pganalyze", "rootly", "fivetran", "snowflake",
    "looker", "tableau", "metabase", "hasura", "apollo", "contentstack", "sanity", "storyblok",
    "prismic", "strapi", "ghost", "wordpress", "mailjet", "postmark", "sparkpost", "mandrill",
    "brevo", "resend", "vonage", "nexmo", "plivo", "telnyx", "bandwidth", "sinch", "infobip",
    "onesignal", "expo", "apns", "fcm", "yelp", "foursquare", "here", "tomtom", "openweather",
    "weatherstack", "ipinfo", "ipstack", "abstract", "scrapingbee", "scraperapi", "browserless",
    "apify", "serpapi", "rapid", "lob", "shipstation", "easyship", "aftership", "dwolla", "wise",
    "revolut", "plaid", "gemini", "binance", "bitfinex", "huobi", "okx", "bybit", "coinmarketcap",
    "etherscan", "infura", "alchemy", "moralis", "tenderly", "chainstack", "quicknode", "ngrok",
    "tailscale", "teleport", "zerotier", "cloudsmith", "packagecloud", "gemfury", "bintray", "npm",
    "pypi", "nuget", "docker", "quay", "harbor", "octopus", "sonarqube", "sonarcloud", "snyk",
    "veracode", "checkmarx", "mend", "whitesource", "fossa", "deepsource", "codacy", "codeclimate",
    "coveralls", "percy", "browserstack", "saucelabs", "lambdatest", "cypress", "heroku", "meraki",
    "linode", "vultr", "hetzner", "airbrake", "raygun", "infisical", "paystack", "anyscale",
    "deepseek", "openrouter",
];

/// Vendor names that count as a key word of their own (`SUMO_LOGIC`,
/// `sinchMessage`, `ABBYSALE`), sorted for binary search.
#[rustfmt::skip]
const NAMES: &[&str] = &[
    "1password", "abbysale", "abuseipdb", "abyssale", "accuweather", "adafruit", "adafruitio",
    "adobe", "adobeims", "adobeio", "adyen", "adzuna", "aerisweather", "aeroworkflow", "aftership",
    "agora", "airbrake", "airbrakeproject", "airbrakeprojectkey", "airbrakeuser", "airbrakeuserkey",
    "airbyte", "airship", "airtable", "airtableapi", "airtableapikey", "airtablemetadata",
    "airtablemetadataapi", "airtablemetadataapikey", "airtableoauth", "airtablepersonal",
    "airtablepersonalaccess", "airtablepersonalaccesstoken", "airvisual", "aiven", "akamai",
    "akamaitoken", "alchemy", "alconost", "alegra", "aletheiaapi", "algolia", "algoliaadmin",
    "algoliaadminkey", "alibaba", "alienvault", "allsports", "alphavantage", "amadeus", "amazonmws",
    "ambee", "amplitudeapi", "amplitudeapikey", "anthropic", "anypoint", "anyscale", "apacta",
    "api2cart", "api2convert", "apideck", "apiflash", "apifonica", "apify", "apilayer", "apimatic",
    "apiscience", "apitemplate", "appcues", "appfollow", "appointedd", "appoptics", "appsynergy",
    "apptivo", "artifactory", "artifactoryaccess", "artifactoryaccesstoken", "artsy", "asana",
    "asanaoauth", "asanapersonal", "asanapersonalaccess", "asanapersonalaccesstoken", "assemblyai",
    "atera", "atlassian", "audd", "auth0", "auth0management", "auth0managementapi",
    "auth0managementapitoken", "auth0oauth", "authorize", "authress", "autodesk", "autoklose",
    "autopilot", "avalara", "avaza", "avazapersonal", "avazapersonalaccess",
    "avazapersonalaccesstoken", "aviationstack", "axonaut", "aylien", "ayrshare", "azure",
    "azureapimanagement", "azurecontainerregistry", "azuredevops", "azureopenai", "azuresearch",
    "azurestorage", "bandwidth", "bannerbear", "baremetrics", "baseapiio", "basistheory", "beamer",
    "beebole", "besnappy", "besttime", "bigcommerce", "billomat", "binance", "bintray", "bitbar",
    "bitbucket", "bitcoinaverage", "bitfinex", "bitgo", "bitly", "bitlyaccess", "bitlyaccesstoken",
    "bitmex", "bitrise", "bittrex", "blablabus", "blazemeter", "blitapp", "blocknative", "blogger",
    "bombbomb", "boostnote", "borgbase", "boxoauth", "braintree", "braintreepayments", "brandfetch",
    "braze", "brevo", "brightlocal", "browserless", "browserstack", "browshot", "bscscan",
    "buddyns", "budibase", "bugherd", "bugsnag", "buildkite", "bulbul", "bulksms", "bunnycdn",
    "buttercms", "bybit", "caflou", "calcom", "calendarific", "calendly", "calendlyapi",
    "calendlyapikey", "calorieninja", "campayn", "canny", "cannyio", "capsulecrm", "captaindata",
    "carboninterface", "cashboard", "caspio", "castai", "censys", "centralstationcrm", "cerebras",
    "cexio", "chainstack", "chartmogul", "chatfule", "checio", "checkly", "checklyhq",
    "checkmarket", "checkmarx", "checkvist", "cicero", "circleci", "clarifai", "clearbit",
    "clickhelp", "clickhouse", "clicksendsms", "clicktime", "clickup", "clickuppersonal",
    "clickuppersonaltoken", "cliengo", "clientary", "clinchpad", "clockify", "clockworksms",
    "clojars", "closecrm", "cloudant", "cloudconvert", "cloudelements", "cloudflare",
    "cloudflareapi", "cloudflareapitoken", "cloudflareca", "cloudflarecakey", "cloudflareglobal",
    "cloudflareglobalapi", "cloudflareglobalapikey", "cloudimage", "cloudinary", "cloudmersive",
    "cloudplan", "cloudsight", "cloudsightkey", "cloudsmith", "cloudways", "cloverly", "cloze",
    "clustdoc", "codacy", "codeclimate", "codecov", "codemagic", "codequiry", "cohere", "coinapi",
    "coinbase", "coingecko", "coinlayer", "coinlib", "coinmarketcap", "collect2", "cometchat",
    "commercejs", "companyhub", "confluence", "confluent", "conjur", "contentful",
    "contentfuldelivery", "contentfulpersonal", "contentfulpersonalaccess",
    "contentfulpersonalaccesstoken", "contentstack", "contribsys", "conversiontools", "convertkit",
    "convier", "copyscape", "cosmosdb", "countrylayer", "coveralls", "coze", "craftmypdf",
    "cratesio", "createsend", "crossbrowsertesting", "crowdin", "cryptocompare", "currencycloud",
    "currencyfreaks", "currencylayer", "currencyscoop", "currentsapi", "customerguru", "customerio",
    "cyberark", "d7network", "dailyco", "dandelion", "dareboost", "databox", "databricks",
    "databrickstoken", "datadog", "datadogtoken", "datafire", "debounce", "deepai", "deepgram",
    "deepl", "deepseek", "deepsource", "delighted", "demio", "deno", "detectify", "detectlanguage",
    "dfuse", "diffbot", "diggernaut", "digitalocean", "digitaloceanspaces", "digitaloceantoken",
    "digitaloceanv2", "discord", "discordbot", "discordbottoken", "discordwebhook", "disqus",
    "distribusion", "dnscheck", "dockerhub", "docparser", "documo", "docusign", "doppler",
    "dotmailer", "dovico", "dronahq", "droneci", "dropbox", "duda", "duffel", "duply", "dwolla",
    "dynadot", "dynalist", "dynatrace", "dyspatch", "eagleeyenetworks", "easyinsight", "easypost",
    "easyship", "ecostruxureit", "edamam", "edenai", "edusign", "eightxeight", "elasticemail",
    "elasticpath", "elevenlabs", "emailoctopus", "enablex", "endorlabs", "equinix", "equinixoauth",
    "eraser", "etherscan", "ethplorer", "etsy", "etsyapi", "etsyapikey", "eventbrite", "eventhub",
    "everhour", "eversign", "exchangerate", "exchangerateapi", "exchangeratesapi", "exportsdk",
    "extractorapi", "facebook", "facebookoauth", "faceplusplus", "fakejson", "fastforex", "fastly",
    "fastlypersonal", "fastlypersonaltoken", "fastspring", "feedier", "feedly", "fetchrss",
    "fibery", "figmapersonal", "figmapersonalaccess", "figmapersonalaccesstoken", "fileio",
    "filestack", "finage", "financialmodelingprep", "finicity", "finnhub", "firebase",
    "firebasecloudmessaging", "firecrawl", "fireworks", "fitbit", "fivetran", "fixer", "fixerio",
    "flagsmith", "flagsmithenvironment", "flagsmithenvironmentkey", "flagsmithtoken", "flatio",
    "fleetbase", "flexport", "flickr", "flightapi", "flightlabs", "flightstats", "flowdash",
    "flowdock", "flowflu", "flutterwave", "flyio", "fmfw", "formbucket", "formcraft", "formio",
    "formsite", "formstack", "fossa", "foursquare", "frameio", "freemius", "freshbooks",
    "freshdesk", "fullcontact", "fullstory", "fusebill", "fxmarket", "geckoboard", "gemfury",
    "gengo", "geoapify", "geocodify", "geocodio", "geoipifi", "getemail", "getemails", "getgeoapi",
    "getgist", "getresponse", "getsandbox", "giphy", "gitea", "github", "githubapp", "githubold",
    "gitlab", "gitter", "glassnode", "glitterlyapi", "gocanvas", "gocardless", "goodday", "google",
    "googleapi", "googleapikey", "googleoauth2", "goshippo", "gosquared", "grafana", "graphcms",
    "graphhopper", "greynoise", "groovehq", "groq", "gtmetrix", "guardianapi", "gumroad", "gyazo",
    "happyscribe", "harness", "hashicorp", "hasura", "haveibeenpwned", "heatmapapi", "hellosign",
    "helpcrunch", "helpscout", "hereapi", "hetzner", "hexpm", "hightouch", "hiveage", "holidayapi",
    "honeybadger", "honeycomb", "hotjar", "hotwire", "html2pdf", "hubspot", "hubspotapi",
    "hubspotapikey", "hubspotoauth", "huggingface", "hunter", "huobi", "hybiscus", "hypeauditor",
    "hypertrack", "ibmcloud", "ibmclouduser", "ibmclouduserkey", "iconfinder", "iexapis",
    "iexcloud", "image4", "imagekit", "imagetotext", "imagga", "imgix", "imgur", "imperva",
    "infisical", "infobip", "infracost", "infura", "insightly", "instabot", "instamojo",
    "integromat", "intercom", "interseller", "intra42", "intrinio", "invoiceocean", "ipapi",
    "ipgeolocation", "ipify", "ipinfo", "ipinfodb", "ipquality", "ipstack", "jenkins", "jfrog",
    "jina", "jira", "jiradatacenter", "jiratoken", "jotform", "jsonbin", "jumpcloud", "jumpseller",
    "juro", "kairos", "kakaotalk", "kaleyra", "kalturaapp", "kalturaapptoken", "kalturasession",
    "kanbantool", "karmacrm", "keen", "keenio", "keygen", "kickbox", "kiteconnect", "klarna",
    "klaviyo", "klipfolio", "knapsackpro", "kontent", "kraken", "kucoin", "kylas", "lambdatest",
    "langchain", "langfuse", "langsmith", "languagelayer", "lastfm", "launchdarkly", "leadfeeder",
    "lemlist", "lemonsqueezy", "lendflow", "lessannoyingcrm", "lexigram", "lightstep", "linearapi",
    "linemessaging", "linenotify", "linkedin", "linkpreview", "linode", "liveagent", "livestorm",
    "loadmill", "locationiq", "loggly", "loginradius", "logzio", "lokalise", "lokalisetoken",
    "loyverse", "lunchmoney", "luno", "macaddress", "madkudu", "magicbell", "mailboxlayer",
    "mailchimp", "mailerlite", "mailersend", "mailgun", "mailjet", "mailjetbasicauth", "mailjetsms",
    "mailmodo", "mailsac", "mapbox", "mapquest", "marketstack", "mattermost", "mattermostpersonal",
    "mattermostpersonaltoken", "mavenlink", "maxmind", "maxmindlicense", "meaningcloud",
    "mediastack", "meilisearch", "meistertask", "meraki", "mesibo", "messagebird", "messari",
    "metaapi", "metabase", "metrilo", "microsoftteams", "microsoftteamswebhook", "midise",
    "mindmeister", "mistral", "mite", "mixcloud", "mixmax", "mixpanel", "mockaroo", "mojohelpdesk",
    "mollie", "mollieaccess", "mollieaccesstoken", "mollieapi", "mollieapikey", "mongodb",
    "monkeylearn", "moonclerk", "moosend", "moralis", "mrticktock", "myexperiment", "myfreshworks",
    "myintervals", "nasdaqdatalink", "neon", "netcore", "nethunt", "netlify", "neutrinoapi",
    "newrelic", "newrelicpersonal", "newrelicpersonalapi", "newrelicpersonalapikey", "newsapi",
    "newscatcher", "nexmo", "nexmoapi", "nexmoapikey", "nftport", "ngrok", "nicehash", "nicereply",
    "nightfall", "nordigen", "noticeable", "nozbeteams", "npmtoken", "nubela", "nuget", "nugetapi",
    "nugetapikey", "numverify", "nutritionix", "nvapi", "nvidia", "nylas", "nytimes", "oanda",
    "ocrspace", "octopus", "okta", "ollama", "omnisend", "onbuka", "onedesk", "onelogin",
    "onepagecrm", "onesignal", "onfleet", "onwaterio", "oopspam", "openai", "opencage",
    "opencagedata", "opendatasoft", "opengraphr", "openrouter", "openshift", "openuv", "openvpn",
    "openweather", "opsgenie", "optidash", "optimizely", "owlbot", "packagecloud", "paddle",
    "pagarme", "page2images", "pagerduty", "pagerdutyapi", "pagerdutyapikey", "pandadoc",
    "pandascore", "paperform", "papertrail", "papyrs", "paralleldots", "parsehub", "parseur",
    "partnerstack", "passbase", "pastebin", "paydirtapp", "paymo", "paymoapp", "paymongo", "paypal",
    "paypaloauth", "paystack", "pdflayer", "pdfmyurl", "pdfshift", "pendo", "pendointegration",
    "pendointegrationkey", "peopledatalabs", "pepipost", "perplexity", "pexels", "pganalyze",
    "pinata", "pinecone", "pingdom", "pipedream", "pipedrive", "pivotal", "pivotaltracker",
    "pixabay", "plaid", "plaidkey", "plaidtoken", "planetscale", "planetscaledb", "planviewleankit",
    "planyo", "plivo", "podio", "pollsapi", "poloniex", "portainer", "positionstack", "postageapp",
    "postbacks", "posthog", "posthogapp", "postman", "postmark", "powrbot", "prefect",
    "printfection", "prismic", "private", "privateai", "processst", "prodpad", "projectplace",
    "prospectcrm", "prospectio", "protocolsio", "proxycrawl", "pubdev", "pubnub", "pubnubpublish",
    "pubnubpublishkey", "pubnubsubscription", "pubnubsubscriptionkey", "pulumi", "purestake",
    "pushbullet", "pushbulletapi", "pushbulletapikey", "pusherchannel", "pusherchannelkey", "pypi",
    "qase", "qdrant", "qualaroo", "qubole", "quickbase", "quickmetrics", "quicknode", "railway",
    "rapidapi", "rawg", "raygun", "razorpay", "reachmail", "reallysimplesystems", "rebrandly",
    "recaptcha", "recharge", "rechargepayments", "redbooth", "rentman", "repairshopr", "replicate",
    "replyio", "requestfinance", "resend", "restpack", "restpackhtmltopdfapi",
    "restpackscreenshotapi", "revampcrm", "revolut", "ringcentral", "riotgames", "ritekit",
    "rocketreach", "rockset", "rollbar", "roninapp", "rootly", "rosette", "route4me", "rownd",
    "rubygems", "rudderstack", "runrunit", "saladcloud", "salesblink", "salescookie", "salesflare",
    "salesforce", "salesforceoauth2", "salesmate", "samsara", "satismeter", "satismeterproject",
    "satismeterprojectkey", "satismeterwrite", "satismeterwritekey", "saucelabs", "scaleway",
    "scalewaykey", "scalingo", "scalr", "scrapeowl", "scraperapi", "scraperbox", "scrapersite",
    "scrapestack", "scrapfly", "scrapingant", "scrapingbee", "scrapingdog", "screenshotapi",
    "screenshotlayer", "scrutinizerci", "securitytrails", "segmentapi", "segmentapikey",
    "selectpdf", "sellfy", "sendbird", "sendbirdorganizationapi", "sendgrid", "sendinblue",
    "sendinbluev2", "sendoso", "sentry", "sentrytoken", "serpapi", "serphouse", "serpstack",
    "servicebus", "settlemint", "sheety", "sherpadesk", "shipday", "shippo", "shipstation",
    "shodan", "shodankey", "shopeeopenplatform", "shopify", "shortcut", "shotstack", "shutterstock",
    "shutterstockoauth", "sidekiq", "signable", "signalwire", "signaturit", "signupgenius",
    "sigopt", "simfin", "simplesat", "simplybook", "simplynoted", "simvoly", "sinch",
    "sinchmessage", "sirv", "siteleaf", "skrappio", "skybiometry", "slackwebhook", "smartsheet",
    "smartsheets", "smartystreets", "smooch", "smsapi", "snipcart", "snowflake", "snyk", "snykkey",
    "sonarcloud", "sonarqube", "sourcegraph", "sparkpost", "speechtextai", "splunk",
    "splunkoberservability", "splunkoberservabilitytoken", "splunkobservability", "spoonacular",
    "sportradar", "sportsmonk", "spotify", "spotifykey", "squareapp", "squarespace", "squareup",
    "sslmate", "statuscake", "statuspage", "statuspal", "stitchdata", "stockdata", "storecove",
    "stormboard", "stormglass", "storyblok", "storychief", "strapi", "strava",
    "streamchatmessaging", "stripe", "stytch", "sugester", "sumo", "sumologic", "sumologickey",
    "supabase", "supabasetoken", "supernotesapi", "supportbee", "surveyanyplace", "surveybot",
    "surveysparrow", "survicate", "swiftype", "tableau", "tailscale", "tallyfy", "tatumio",
    "tavily", "taxjar", "teamcity", "teamgate", "teamup", "teamviewer", "teamwork", "teamworkcrm",
    "teamworkdesk", "teamworkspaces", "technicalanalysisapi", "tefter", "telegram", "telegrambot",
    "telegrambottoken", "telesign", "teletype", "telnyx", "tencent", "tencentcloud",
    "tencentcloudkey", "tenderly", "terraform", "terraformcloudpersonal",
    "terraformcloudpersonaltoken", "testingbot", "testrail", "text2data", "textmagic", "theoddsapi",
    "thinkific", "thousandeyes", "ticketmaster", "tickettailor", "tiingo", "timecamp", "timekit",
    "timezoneapi", "tines", "tineswebhook", "tmdb", "todoist", "togetherai", "toggl", "toggltrack",
    "tokeet", "tomorrowio", "tomtom", "tradier", "transferwise", "travelpayouts", "travis",
    "travisci", "trello", "trelloapi", "trelloapikey", "trimble", "twelvedata", "twilio",
    "twingate", "twitch", "twitter", "twitterapisecret", "tyntec", "typeform", "typesense",
    "typetalk", "uber", "uberserver", "uberservertoken", "ubidots", "uclassify", "unifyid",
    "unplugg", "unsplash", "upcdatabase", "uplead", "uploadcare", "uproc", "upstash", "uptimerobot",
    "upwave", "urlscan", "userflow", "userstack", "vatlayer", "vbout", "veevavault", "veracode",
    "vercel", "verimail", "veriphone", "versioneye", "viewneo", "virustotal", "visualcrossing",
    "voicegain", "vonage", "voodoosms", "vouchery", "vpnapi", "vultr", "vultrapi", "vultrapikey",
    "vyte", "wakatime", "walkscore", "wandb", "wasabi", "weatherbit", "weatherstack", "weaviate",
    "web3storage", "webengage", "webex", "webflow", "webscraper", "webscraping", "websitepulse",
    "wechat", "wechatapp", "wechatappkey", "wepay", "whitesource", "whoxy", "wistia", "woopra",
    "wordsapi", "workday", "worksnaps", "workstack", "worldcoinindex", "worldweather", "wpengine",
    "wrike", "yandex", "yelp", "yext", "ynab", "youneedabudget", "yousign", "youtube", "youtubeapi",
    "youtubeapikey", "zapier", "zapierwebhook", "zendesk", "zendeskapi", "zenkitapi", "zenrows",
    "zenscrape", "zenserp", "zeplin", "zerobounce", "zerotier", "zipapi", "zipbooks", "zipcodeapi",
    "zohocrm", "zonkafeedback", "zulip", "zulipchat", "zuplo",
];

/// Vendor names that are also ordinary words or very short: they count only
/// when they are the whole key (`MONDAY=...`, `MUX=...`), sorted.
#[rustfmt::skip]
const WHOLE_ONLY: &[&str] = &[
    "ably", "abstract", "aha", "amplitude", "ansible", "apns", "apollo", "astronomer", "atlas",
    "aws", "bored", "box", "bubble", "chatbot", "checkout", "circle", "close", "column", "comet",
    "commodities", "convert", "convertapi", "copper", "courier", "cricket", "cypress", "datagov",
    "deputy", "ditto", "docker", "e2b", "elasticsearch", "enigma", "expo", "fcm", "figma", "findl",
    "float", "fly", "fountain", "front", "fulcrum", "gcp", "gemini", "geocode", "ghost", "guru",
    "happi", "harbor", "harvest", "hcp", "heap", "here", "heroku", "hibp", "hive", "holistic",
    "honey", "humanity", "ibm", "impala", "iterable", "kanban", "line", "linear", "lob", "looker",
    "loops", "m3o", "magnetic", "mandrill", "manifest", "mend", "miro", "moderation", "monday",
    "mux", "nasa", "ngc", "nimble", "nitro", "notion", "npm", "okx", "ovh", "parsers", "percy",
    "polygon", "privacy", "pusher", "quay", "ramp", "rapid", "raven", "readme", "refiner", "render",
    "rev", "roaring", "sanity", "segment", "semaphore", "sentiment", "slack", "sonar", "square",
    "steam", "streak", "surge", "swell", "teleport", "tly", "tmetric", "tomorrow", "tru", "twist",
    "vault", "verifier", "wise", "wit", "wordpress", "xai", "zoom",
];

/// How a key names a vendor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VendorKey {
    /// The whole key is a vendor name (`HEROKU`, `todoist`, `Sumo_Logic`).
    Whole,
    /// One to three of the key's words make a vendor name (`abbysale_prod`).
    Part,
}

const MAX_KEY: usize = 64;
const MAX_WORDS: usize = 12;

/// Per first two bytes (each `0`-`9` or `a`-`z`), the lengths (bit `len`,
/// up to 63) of the names of both tables that start with them: most words a
/// key holds (a timestamp, `deploy`, `image`) are ruled out by it without a
/// search, and a key without building its lower-case form.
/// Also a Bloom filter of the whole names (two bits each in 16,384), which
/// rules out nearly every key that is not a name as a whole.
struct Index(Vec<u64>, Vec<u64>);

const BLOOM_WORDS: usize = 256;

/// FNV-1a of the lower-cased letters and digits of `key`, and their count.
fn squashed_hash(key: &[u8]) -> (u64, usize) {
    let mut h = FNV_START;
    let mut n = 0;
    for &c in key {
        if c.is_ascii_alphanumeric() {
            h = fnv_step(h, c.to_ascii_lowercase());
            n += 1;
        }
    }
    (h, n)
}

/// The two bits of a hash in the Bloom filter: (word, bit) each.
fn bloom_bits(h: u64) -> [(usize, u64); 2] {
    let bit = |x: u64| ((x as usize >> 6) % BLOOM_WORDS, 1u64 << (x & 63));
    [bit(h), bit(h >> 32)]
}

const SLOTS: usize = 36;

impl Index {
    fn new() -> Index {
        let mut lens = vec![0u64; SLOTS * SLOTS];
        for n in NAMES.iter().chain(WHOLE_ONLY) {
            let b = n.as_bytes();
            if let (Some(i), Some(bit)) = (
                pair(b.first().copied(), b.get(1).copied()),
                u32::try_from(n.len()).ok().filter(|l| *l < 64),
            ) && let Some(slot) = lens.get_mut(i)
            {
                *slot |= 1 << bit;
            }
        }
        let mut bloom = vec![0u64; BLOOM_WORDS];
        for n in NAMES.iter().chain(WHOLE_ONLY) {
            for (w, b) in bloom_bits(squashed_hash(n.as_bytes()).0) {
                if let Some(word) = bloom.get_mut(w) {
                    *word |= b;
                }
            }
        }
        Index(lens, bloom)
    }

    /// False when `key`'s letters and digits, lower-cased, are surely no name.
    fn may_be_whole(&self, key: &[u8]) -> bool {
        let (h, n) = squashed_hash(key);
        n >= 3 && self.bloom_has(h)
    }

    /// False when no name has the squashed hash `h` (a Bloom filter: it may
    /// say true for a word that is no name, never false for one that is).
    fn bloom_has(&self, h: u64) -> bool {
        bloom_bits(h)
            .iter()
            .all(|(w, b)| self.1.get(*w).is_some_and(|word| word & b != 0))
    }

    /// False when no name starts with `a`, `b` (lower case) and has `len` bytes.
    fn may_hold_parts(&self, a: u8, b: Option<u8>, len: usize) -> bool {
        match (pair(Some(a), b), u32::try_from(len)) {
            (Some(i), Ok(len)) if len < 64 => {
                self.0.get(i).is_some_and(|lens| lens & (1 << len) != 0)
            }
            // Longer than any name's bit, or a one-byte word: the search decides.
            (Some(_), Ok(_)) => true,
            _ => b.is_none(),
        }
    }

    fn may_hold(&self, w: &[u8]) -> bool {
        match w.first() {
            Some(&a) => self.may_hold_parts(a, w.get(1).copied(), w.len()),
            None => false,
        }
    }
}

fn slot(c: u8) -> Option<usize> {
    match c {
        b'0'..=b'9' => Some(usize::from(c - b'0')),
        b'a'..=b'z' => Some(usize::from(c - b'a') + 10),
        _ => None,
    }
}

fn pair(a: Option<u8>, b: Option<u8>) -> Option<usize> {
    Some(slot(a?)? * SLOTS + slot(b?)?)
}

static INDEX: std::sync::OnceLock<Index> = std::sync::OnceLock::new();

#[cfg(test)]
fn listed(list: &[&str], w: &[u8]) -> bool {
    INDEX.get_or_init(Index::new).may_hold(w) && searched(list, w)
}

fn searched(list: &[&str], w: &[u8]) -> bool {
    list.binary_search_by(|n| n.as_bytes().cmp(w)).is_ok()
}

/// FNV-1a step of [`squashed_hash`] for a byte already lower-cased.
#[inline]
fn fnv_step(h: u64, c: u8) -> u64 {
    (h ^ u64::from(c)).wrapping_mul(0x0000_0100_0000_01b3)
}

const FNV_START: u64 = 0xcbf2_9ce4_8422_2325;

/// Looks `key` up in the vendor tables: its letters and digits, lower-cased
/// and joined, then every run of one to three of its words (split at
/// non-alphanumerics and camelCase boundaries). No allocation.
pub(crate) fn vendor_key(key: &[u8]) -> Option<VendorKey> {
    lookup(key, false)
}

/// Whether `key` as a whole is a vendor name ([`vendor_key`] is
/// `Some(VendorKey::Whole)`), without looking at its words.
pub(crate) fn is_whole_vendor_key(key: &[u8]) -> bool {
    lookup(key, true) == Some(VendorKey::Whole)
}

fn lookup(key: &[u8], whole_only: bool) -> Option<VendorKey> {
    // Every name holds a letter; a whole name passes the Bloom filter.
    if !key.iter().any(u8::is_ascii_alphabetic)
        || whole_only && !INDEX.get_or_init(Index::new).may_be_whole(key)
    {
        return None;
    }
    let mut low = [0u8; MAX_KEY];
    let mut starts = [0u8; MAX_WORDS + 1];
    let (mut n, mut words) = (0usize, 0usize);
    let mut prev = 0u8;
    for &c in key {
        if !c.is_ascii_alphanumeric() {
            prev = 0;
            continue;
        }
        let boundary = prev == 0 || (c.is_ascii_uppercase() && prev.is_ascii_lowercase());
        if n >= MAX_KEY || (boundary && words >= MAX_WORDS) {
            return None;
        }
        if boundary {
            starts[words] = n as u8;
            words += 1;
        }
        low[n] = c.to_ascii_lowercase();
        n += 1;
        prev = c;
    }
    starts[words] = n as u8;
    let all = &low[..n];
    if n < 3 {
        return None;
    }
    // Every name is in the Bloom filter under its own (lower-case,
    // alphanumeric) hash: a word that fails it is surely no name, so most
    // keys are ruled out without a binary search.
    let index = INDEX.get_or_init(Index::new);
    let hashed = |w: &[u8]| index.bloom_has(w.iter().fold(FNV_START, |h, &c| fnv_step(h, c)));
    if index.may_hold(all) && hashed(all) && (searched(NAMES, all) || searched(WHOLE_ONLY, all)) {
        return Some(VendorKey::Whole);
    }
    if whole_only {
        return None;
    }
    for i in 0..words {
        let mut h = FNV_START;
        let from = usize::from(starts[i]);
        for j in i + 1..(i + 4).min(words + 1) {
            let to = usize::from(starts[j]);
            let Some(w) = low.get(from..to) else { break };
            for &c in low.get(usize::from(starts[j - 1])..to).unwrap_or(&[]) {
                h = fnv_step(h, c);
            }
            if w.len() >= 4 && index.may_hold(w) && index.bloom_has(h) && searched(NAMES, w) {
                return Some(VendorKey::Part);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_sorted_lower_case_and_unique() {
        for list in [NAMES, WHOLE_ONLY] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "not sorted");
            for n in list {
                assert!(
                    n.bytes()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()),
                    "{n}"
                );
            }
        }
        assert!(NAMES.iter().all(|n| !listed(WHOLE_ONLY, n.as_bytes())));
    }

    #[test]
    fn keys() {
        use VendorKey::*;
        for (k, want) in [
            ("DATADOG", Some(Whole)),
            ("todoist", Some(Whole)),
            ("Sumo_Logic", Some(Whole)),
            ("MONDAY", Some(Whole)),
            ("abbysale_prod", Some(Part)),
            ("prodAbbysaleValue", Some(Part)),
            ("monday_report", None),
            ("requestId", None),
            ("user", None),
            ("host", None),
            ("x", None),
        ] {
            assert_eq!(vendor_key(k.as_bytes()), want, "{k}");
            assert_eq!(
                is_whole_vendor_key(k.as_bytes()),
                want == Some(Whole),
                "{k}"
            );
        }
    }

    /// The (first byte, length) index never rules a listed name out.
    #[test]
    fn the_index_keeps_every_name() {
        for n in NAMES.iter().chain(WHOLE_ONLY) {
            assert!(INDEX.get_or_init(Index::new).may_hold(n.as_bytes()), "{n}");
        }
        assert!(listed(NAMES, b"datadog") && listed(WHOLE_ONLY, b"monday"));
        assert!(!listed(NAMES, b"20241119t07") && !listed(NAMES, b""));
        for n in NAMES.iter().chain(WHOLE_ONLY) {
            assert!(n.bytes().any(|c| c.is_ascii_alphabetic()), "{n}");
            assert!(
                INDEX.get_or_init(Index::new).may_be_whole(n.as_bytes()),
                "{n}"
            );
            assert!(is_whole_vendor_key(n.to_uppercase().as_bytes()), "{n}");
        }
    }

    proptest::proptest! {
        /// The whole-key lookup is the full lookup's `Whole`, whatever the key.
        #[test]
        fn whole_lookup_is_the_full_one(
            key in proptest::string::string_regex("[A-Za-z0-9_ .-]{0,40}").unwrap_or_else(|_| unreachable!()),
            pick in proptest::sample::select(NAMES),
        ) {
            for k in [key.clone(), pick.to_uppercase(), format!("{pick}_{key}"), format!("x{pick}")] {
                proptest::prop_assert_eq!(
                    is_whole_vendor_key(k.as_bytes()),
                    vendor_key(k.as_bytes()) == Some(VendorKey::Whole)
                );
            }
        }
    }
}
