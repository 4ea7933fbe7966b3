/*
 * Tests for src/conf.c: defaults, the "name = value" file, every setting's
 * checks and messages, signing keys, the environment and conf_check().
 */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

/*
 * LeakSanitizer's report at exit does not fail a Criterion test, which runs
 * in a child process: each test asks for a leak check of its own.
 */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define leaks()		__lsan_do_recoverable_leak_check()
#else
#define leaks()		0
#endif

/* 64 and 128 hex digits: the shortest and longest secrets accepted. */
#define HEX32	"00112233445566778899aabbccddeeff" \
		"00112233445566778899aabbccddeeff"
#define HEX64	HEX32 "f0e1d2c3b4a5968778695a4b3c2d1e0f" \
		"0f1e2d3c4b5a69788796a5b4c3d2e1f0"
#define HEX32B	"ffeeddccbbaa99887766554433221100" \
		"ffeeddccbbaa99887766554433221100"

/* What conf_check() needs, as a file. */
#define MINIMAL	"database = dbname=payportal\n" \
		"public_url = https://pay.example.com\n" \
		"signing_key = k1 active " HEX32 "\n"

static void	parses(struct conf *, const char *);
static void	refuses(const char *, const char *);
static void	refuses_env(const char *, const char *, const char *);
static void	checks(const char *, const char *);
static void	env_clear(void);
static void	no_leaks(void);

static const char	*env_names[] = {
	"PAYPORTAL_LISTEN", "PAYPORTAL_WORKERS", "PAYPORTAL_RUNAS",
	"PAYPORTAL_DATABASE", "PAYPORTAL_DATABASE_CONNECTIONS",
	"PAYPORTAL_PUBLIC_URL", "PAYPORTAL_TRUSTED_PROXIES",
	"PAYPORTAL_SIGNING_KEY", "PAYPORTAL_SIGNING_KEYS",
	"PAYPORTAL_LINK_DAYS", "PAYPORTAL_GATEWAY_URL",
	"PAYPORTAL_GATEWAY_SECRET_KEY", "PAYPORTAL_GATEWAY_PUBLISHABLE_KEY",
	"PAYPORTAL_GATEWAY_WEBHOOK_SECRET", "PAYPORTAL_GATEWAY_VERSION",
	"PAYPORTAL_SMTP_URL", "PAYPORTAL_SMTP_FROM", "PAYPORTAL_LOG_LEVEL",
};

static void
parses(struct conf *c, const char *text)
{
	char		 err[512];

	conf_init(c);
	err[0] = '\0';
	cr_assert_eq(conf_parse(c, "cfg", text, strlen(text), err,
	    sizeof(err)), 1, "\"%s\" refused: %s", text, err);
}

static void
refuses(const char *text, const char *want)
{
	struct conf	 c;
	char		 err[512];

	conf_init(&c);
	err[0] = '\0';
	cr_assert_eq(conf_parse(&c, "cfg", text, strlen(text), err,
	    sizeof(err)), 0, "\"%s\" accepted", text);
	cr_assert_str_eq(err, want, "\"%s\"", text);
	conf_free(&c);
}

static void
refuses_env(const char *name, const char *val, const char *want)
{
	struct conf	 c;
	char		 err[512];

	env_clear();
	cr_assert_eq(setenv(name, val, 1), 0);
	conf_init(&c);
	err[0] = '\0';
	cr_assert_eq(conf_load_env(&c, err, sizeof(err)), 0,
	    "%s=\"%s\" accepted", name, val);
	cr_assert_str_eq(err, want, "%s=\"%s\"", name, val);
	conf_free(&c);
	cr_assert_eq(unsetenv(name), 0);
}

/* The file parses, and conf_check() refuses it with want. */
static void
checks(const char *text, const char *want)
{
	struct conf	 c;
	char		 err[512];

	parses(&c, text);
	err[0] = '\0';
	cr_assert_eq(conf_check(&c, err, sizeof(err)), 0, "\"%s\" passed",
	    text);
	cr_assert_str_eq(err, want, "\"%s\"", text);
	conf_free(&c);
}

static void
env_clear(void)
{
	size_t		i;

	for (i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
		cr_assert_eq(unsetenv(env_names[i]), 0);
}

static void
no_leaks(void)
{
	cr_assert_eq(leaks(), 0, "memory leaked: see LeakSanitizer's report");
}

Test(conf, defaults)
{
	struct conf	 c;
	char		 err[256];

	conf_init(&c);
	cr_assert_str_eq(c.listen_host, "127.0.0.1");
	cr_assert_str_eq(c.listen_port, "8080");
	cr_assert_null(c.runas);
	cr_assert_eq(c.workers, 2);
	cr_assert_null(c.database);
	cr_assert_eq(c.db_conn_max, 8);
	cr_assert_null(c.public_url);
	cr_assert_eq(c.ntrusted, 1);
	cr_assert_str_eq(c.trusted_proxies[0], "127.0.0.1");
	cr_assert_eq(c.nkeys, 0);
	cr_assert_eq(c.link_days, 30);
	cr_assert_null(c.gateway_url);
	cr_assert_null(c.gateway_secret_key);
	cr_assert_null(c.gateway_publishable_key);
	cr_assert_null(c.gateway_webhook_secret);
	cr_assert_str_eq(c.gateway_version, "2024-06-20");
	cr_assert_null(c.smtp_url);
	cr_assert_null(c.smtp_from);
	cr_assert_eq(c.log_level, CONF_LOG_INFO);
	cr_assert_null(conf_active_key(&c));

	/* An empty file and an empty environment change nothing. */
	env_clear();
	cr_assert_eq(conf_parse(&c, "cfg", "", 0, err, sizeof(err)), 1);
	cr_assert_eq(conf_load_env(&c, err, sizeof(err)), 1);
	cr_assert_str_eq(c.listen_port, "8080");
	cr_assert_eq(c.workers, 2);
	cr_assert_null(c.database);
	conf_free(&c);
	no_leaks();
}

Test(conf, free_zeroes)
{
	struct conf	 c;
	size_t		 i;

	parses(&c, MINIMAL "signing_key = k2 verify " HEX64 "\n");
	cr_assert_eq(c.nkeys, 2);
	conf_free(&c);
	cr_assert_null(c.listen_host);
	cr_assert_null(c.database);
	cr_assert_null(c.public_url);
	cr_assert_eq(c.ntrusted, 0);
	cr_assert_eq(c.nkeys, 0);
	for (i = 0; i < sizeof(c.keys[0].secret); i++)
		cr_assert_eq(c.keys[0].secret[i], 0);
	cr_assert_eq(c.keys[0].secret_len, 0);
	cr_assert_eq(c.keys[1].id[0], '\0');
	no_leaks();
}

Test(conf, lines)
{
	struct conf	 c;
	char		 err[128];

	parses(&c,
	    "# payportal\n"
	    "\n"
	    "   \t\n"
	    "  # indented comment = not a setting\n"
	    "database=host=/run/postgresql dbname=payportal\n"
	    "\tworkers \t=\t 4 \t\r\n"
	    "runas = _payportal # not a comment\n"
	    "link_days   =   7");
	cr_assert_str_eq(c.database, "host=/run/postgresql dbname=payportal");
	cr_assert_eq(c.workers, 4);
	cr_assert_str_eq(c.runas, "_payportal # not a comment");
	cr_assert_eq(c.link_days, 7);
	conf_free(&c);

	/* A setting given twice: the later one wins, the first is freed. */
	parses(&c, "database = a\ndatabase = b\nworkers = 3\nworkers = 5\n");
	cr_assert_str_eq(c.database, "b");
	cr_assert_eq(c.workers, 5);
	conf_free(&c);

	/* Only len bytes are read. */
	conf_init(&c);
	cr_assert_eq(conf_parse(&c, "cfg", "workers = 12", 11, err,
	    sizeof(err)), 1);
	cr_assert_eq(c.workers, 1);
	conf_free(&c);
	no_leaks();
}

Test(conf, line_errors)
{
	struct conf	 c;
	char		 line[5000], err[128];
	const char	 nul[] = "database = x\nruna\0s = y\n";

	refuses("database = x\n# ok\nno equals sign\n",
	    "cfg:3: expected 'name = value'");
	refuses("database = x\ncolour = blue\n",
	    "cfg:2: unknown setting 'colour'");
	refuses("Database = x\n", "cfg:1: unknown setting 'Database'");
	refuses("public url = https://x\n",
	    "cfg:1: unknown setting 'public url'");
	refuses(" = x\n", "cfg:1: unknown setting ''");
	refuses("\n\n\r\n\nworkers\n", "cfg:5: expected 'name = value'");

	/* Lines of 4095 bytes are read, longer ones refused. */
	memset(line, 0, sizeof(line));
	line[0] = '#';
	memset(line + 1, 'x', 4094);
	parses(&c, line);
	conf_free(&c);
	line[4095] = 'x';
	refuses(line, "cfg:1: line too long");

	conf_init(&c);
	cr_assert_eq(conf_parse(&c, "cfg", nul, sizeof(nul) - 1, err,
	    sizeof(err)), 0);
	cr_assert_str_eq(err, "cfg:2: NUL byte");
	conf_free(&c);
	no_leaks();
}

Test(conf, listen)
{
	struct conf	 c;

	parses(&c, "listen = 0.0.0.0:443\n");
	cr_assert_str_eq(c.listen_host, "0.0.0.0");
	cr_assert_str_eq(c.listen_port, "443");
	conf_free(&c);

	parses(&c, "listen = [::1]:65535\n");
	cr_assert_str_eq(c.listen_host, "[::1]");
	cr_assert_str_eq(c.listen_port, "65535");
	conf_free(&c);

	parses(&c, "listen = localhost:1\n");
	cr_assert_str_eq(c.listen_host, "localhost");
	cr_assert_str_eq(c.listen_port, "1");
	conf_free(&c);

	refuses("listen = localhost\n",
	    "cfg:1: listen: 'localhost' is not host:port");
	refuses("listen = :8080\n", "cfg:1: listen: ':8080' is not host:port");
	refuses("listen = h:0\n",
	    "cfg:1: listen: '0' is not a number from 1 to 65535");
	refuses("listen = h:65536\n",
	    "cfg:1: listen: '65536' is not a number from 1 to 65535");
	refuses("listen = h:\n",
	    "cfg:1: listen: '' is not a number from 1 to 65535");
	refuses("listen = h:80x\n",
	    "cfg:1: listen: '80x' is not a number from 1 to 65535");
	refuses("listen = h:+80\n",
	    "cfg:1: listen: '+80' is not a number from 1 to 65535");
	refuses("listen = h:-1\n",
	    "cfg:1: listen: '-1' is not a number from 1 to 65535");
	no_leaks();
}

Test(conf, numbers)
{
	struct conf	 c;

	parses(&c, "workers = 64\ndatabase_connections = 1000\n"
	    "link_days = 3650\n");
	cr_assert_eq(c.workers, 64);
	cr_assert_eq(c.db_conn_max, 1000);
	cr_assert_eq(c.link_days, 3650);
	conf_free(&c);

	parses(&c, "workers = 1\ndatabase_connections = 1\nlink_days = 1\n");
	cr_assert_eq(c.workers, 1);
	cr_assert_eq(c.db_conn_max, 1);
	cr_assert_eq(c.link_days, 1);
	conf_free(&c);

	refuses("workers = 0\n",
	    "cfg:1: workers: '0' is not a number from 1 to 64");
	refuses("workers = 65\n",
	    "cfg:1: workers: '65' is not a number from 1 to 64");
	refuses("workers = two\n",
	    "cfg:1: workers: 'two' is not a number from 1 to 64");
	refuses("workers =\n",
	    "cfg:1: workers: '' is not a number from 1 to 64");
	refuses("workers = 4 4\n",
	    "cfg:1: workers: '4 4' is not a number from 1 to 64");
	refuses("workers = 99999999999999999999\n",
	    "cfg:1: workers: '99999999999999999999' is not a number from 1 "
	    "to 64");
	refuses("database = x\ndatabase_connections = 1001\n",
	    "cfg:2: database_connections: '1001' is not a number from 1 to "
	    "1000");
	refuses("link_days = 0\n",
	    "cfg:1: link_days: '0' is not a number from 1 to 3650");
	refuses("link_days = 3651\n",
	    "cfg:1: link_days: '3651' is not a number from 1 to 3650");
	refuses("link_days = 1.5\n",
	    "cfg:1: link_days: '1.5' is not a number from 1 to 3650");
	no_leaks();
}

Test(conf, log_level)
{
	static const struct {
		const char	*text;
		enum conf_log	 want;
	} ok[] = {
		{ "log_level = error", CONF_LOG_ERROR },
		{ "log_level = warning", CONF_LOG_WARNING },
		{ "log_level = debug\nlog_level = info", CONF_LOG_INFO },
		{ "log_level = debug", CONF_LOG_DEBUG },
	};
	struct conf	 c;
	size_t		 i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		parses(&c, ok[i].text);
		cr_assert_eq(c.log_level, ok[i].want, "%s", ok[i].text);
		conf_free(&c);
	}
	refuses("log_level = verbose\n", "cfg:1: log_level: 'verbose' is not "
	    "one of error, warning, info, debug");
	refuses("log_level = INFO\n", "cfg:1: log_level: 'INFO' is not one "
	    "of error, warning, info, debug");
	no_leaks();
}

Test(conf, strings)
{
	static const char	*names[] = {
		"runas", "database", "gateway_secret_key",
		"gateway_publishable_key", "gateway_webhook_secret",
		"gateway_version", "smtp_from",
	};
	struct conf	 c;
	char		 text[128], want[128];
	size_t		 i;

	parses(&c, "runas = www\ndatabase = service=pp\n"
	    "gateway_secret_key = sk_test_1\n"
	    "gateway_publishable_key = pk_test_1\n"
	    "gateway_webhook_secret = whsec_1\n"
	    "gateway_version = 2025-01-01\n"
	    "smtp_from = Payments <pay@example.com>\n");
	cr_assert_str_eq(c.runas, "www");
	cr_assert_str_eq(c.database, "service=pp");
	cr_assert_str_eq(c.gateway_secret_key, "sk_test_1");
	cr_assert_str_eq(c.gateway_publishable_key, "pk_test_1");
	cr_assert_str_eq(c.gateway_webhook_secret, "whsec_1");
	cr_assert_str_eq(c.gateway_version, "2025-01-01");
	cr_assert_str_eq(c.smtp_from, "Payments <pay@example.com>");
	conf_free(&c);

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)snprintf(text, sizeof(text), "workers = 3\n%s = \t\n",
		    names[i]);
		(void)snprintf(want, sizeof(want), "cfg:2: %s: must not be "
		    "empty", names[i]);
		refuses(text, want);
	}
	no_leaks();
}

Test(conf, urls)
{
	struct conf	 c;

	parses(&c, "public_url = https://pay.example.com/\n"
	    "gateway_url = https://api.gateway.test/v1//\n"
	    "smtp_url = smtps://mail.example.com:465\n");
	cr_assert_str_eq(c.public_url, "https://pay.example.com");
	cr_assert_str_eq(c.gateway_url, "https://api.gateway.test/v1");
	cr_assert_str_eq(c.smtp_url, "smtps://mail.example.com:465");
	conf_free(&c);

	parses(&c, "public_url = https://localhost:8443///\n"
	    "gateway_url = http://127.0.0.1:12111\n"
	    "smtp_url = smtp://127.0.0.1:25/\n");
	cr_assert_str_eq(c.public_url, "https://localhost:8443");
	cr_assert_str_eq(c.gateway_url, "http://127.0.0.1:12111");
	cr_assert_str_eq(c.smtp_url, "smtp://127.0.0.1:25");
	conf_free(&c);

	/* Each URL setting takes only its own schemes. */
	refuses("public_url = http://localhost:8443\n", "cfg:1: public_url: "
	    "'http://localhost:8443' is not an https:// URL");
	refuses("public_url = smtp://pay.example.com\n", "cfg:1: public_url: "
	    "'smtp://pay.example.com' is not an https:// URL");
	refuses("smtp_url = https://mail.example.com\n", "cfg:1: smtp_url: "
	    "'https://mail.example.com' is not an smtp(s):// URL");
	refuses("gateway_url = smtp://x\n", "cfg:1: gateway_url: "
	    "'smtp://x' is not an http(s):// URL");

	refuses("public_url = pay.example.com\n", "cfg:1: public_url: "
	    "'pay.example.com' is not an https:// URL");
	refuses("public_url = ftp://pay.example.com\n", "cfg:1: public_url: "
	    "'ftp://pay.example.com' is not an https:// URL");
	refuses("public_url = HTTPS://pay.example.com\n", "cfg:1: public_url: "
	    "'HTTPS://pay.example.com' is not an https:// URL");
	refuses("public_url =\n",
	    "cfg:1: public_url: '' is not an https:// URL");
	refuses("public_url = https://\n",
	    "cfg:1: public_url: 'https://' has no valid host");
	refuses("public_url = https:///pay\n",
	    "cfg:1: public_url: 'https:///pay' has no valid host");
	refuses("public_url = https://pay example.com\n",
	    "cfg:1: public_url: 'https://pay example.com' has no valid host");
	refuses("public_url = https://pay.example.com/<x>\n",
	    "cfg:1: public_url: 'https://pay.example.com/<x>' has no valid "
	    "host");
	refuses("database = x\ngateway_url = http://\n",
	    "cfg:2: gateway_url: 'http://' has no valid host");
	refuses("smtp_url = mail.example.com\n", "cfg:1: smtp_url: "
	    "'mail.example.com' is not an smtp(s):// URL");
	refuses("smtp_url = smtps://\n",
	    "cfg:1: smtp_url: 'smtps://' has no valid host");
	no_leaks();
}

Test(conf, trusted_proxies)
{
	struct conf	 c;

	parses(&c, "trusted_proxies = 10.0.0.1, 10.0.0.2 ,,10.0.0.3  ::1\n");
	cr_assert_eq(c.ntrusted, 4);
	cr_assert_str_eq(c.trusted_proxies[0], "10.0.0.1");
	cr_assert_str_eq(c.trusted_proxies[1], "10.0.0.2");
	cr_assert_str_eq(c.trusted_proxies[2], "10.0.0.3");
	cr_assert_str_eq(c.trusted_proxies[3], "::1");
	conf_free(&c);

	/* Given again, the list is replaced, not extended. */
	parses(&c, "trusted_proxies = a b c\ntrusted_proxies = d\n");
	cr_assert_eq(c.ntrusted, 1);
	cr_assert_str_eq(c.trusted_proxies[0], "d");
	conf_free(&c);

	parses(&c, "trusted_proxies =\n");
	cr_assert_eq(c.ntrusted, 0);
	conf_free(&c);

	parses(&c, "trusted_proxies = 1 2 3 4 5 6 7 8\n");
	cr_assert_eq(c.ntrusted, CONF_MAX_PROXIES);
	cr_assert_str_eq(c.trusted_proxies[7], "8");
	conf_free(&c);

	refuses("trusted_proxies = 1 2 3 4 5 6 7 8 9\n",
	    "cfg:1: trusted_proxies: more than 8 addresses");
	no_leaks();
}

Test(conf, signing_key)
{
	static const unsigned char	 secret32[32] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	};
	struct conf	 c;

	parses(&c, "signing_key = k1 active " HEX32 "\n"
	    "signing_key =\told_key-2\tverify\t" HEX64 "\n"
	    "signing_key = sixteen-chars_16 retired "
	    "FFEEDDCCBBAA99887766554433221100ffeeddccbbaa99887766554433221100"
	    "\n");
	cr_assert_eq(c.nkeys, 3);
	cr_assert_str_eq(c.keys[0].id, "k1");
	cr_assert_eq(c.keys[0].state, LINK_KEY_ACTIVE);
	cr_assert_eq(c.keys[0].secret_len, 32);
	cr_assert_arr_eq(c.keys[0].secret, secret32, 32);
	cr_assert_str_eq(c.keys[1].id, "old_key-2");
	cr_assert_eq(c.keys[1].state, LINK_KEY_VERIFY);
	cr_assert_eq(c.keys[1].secret_len, 64);
	cr_assert_eq(c.keys[1].secret[0], 0x00);
	cr_assert_eq(c.keys[1].secret[32], 0xf0);
	cr_assert_eq(c.keys[1].secret[63], 0xf0);
	cr_assert_str_eq(c.keys[2].id, "sixteen-chars_16");
	cr_assert_eq(c.keys[2].state, LINK_KEY_RETIRED);
	cr_assert_eq(c.keys[2].secret_len, 32);
	cr_assert_eq(c.keys[2].secret[0], 0xff);
	cr_assert_eq(c.keys[2].secret[31], 0x00);
	cr_assert_eq(conf_active_key(&c), &c.keys[0]);
	conf_free(&c);

	/* 66 digits: 33 bytes; lengths between the bounds are fine. */
	parses(&c, "signing_key = k1 verify " HEX32 "ab\n");
	cr_assert_eq(c.keys[0].secret_len, 33);
	cr_assert_eq(c.keys[0].secret[32], 0xab);
	cr_assert_null(conf_active_key(&c));
	conf_free(&c);
	no_leaks();
}

Test(conf, signing_key_errors)
{
	const char	*secret_msg = "cfg:1: signing_key: key 'k1' secret "
			    "must be 64 to 128 hex digits (32 to 64 random "
			    "bytes)";
	const char	*form_msg = "cfg:1: signing_key: expected '<id> "
			    "<active|verify|retired> <hex secret>'";
	const char	*id_msg = "cfg:1: signing_key: the key id (first word) "
			    "must be 1-16 characters of a-z, 0-9, '_' or '-'";

	refuses("signing_key = k1 active\n", form_msg);
	refuses("signing_key = k1\n", form_msg);
	refuses("signing_key =\n", form_msg);

	refuses("signing_key = k1 primary " HEX32 "\n", "cfg:1: signing_key: "
	    "key 'k1': the second word must be active, verify or retired");
	refuses("signing_key = k1 Active " HEX32 "\n", "cfg:1: signing_key: "
	    "key 'k1': the second word must be active, verify or retired");
	/* Words in the wrong order: no part of the secret is echoed. */
	refuses("signing_key = " HEX32 " active k1\n", "cfg:1: signing_key: "
	    "the key id (first word) must be 1-16 characters of a-z, 0-9, "
	    "'_' or '-'");
	refuses("signing_key = k1 " HEX32 " active\n", "cfg:1: signing_key: "
	    "key 'k1': the second word must be active, verify or retired");
	refuses("signing_key = k1 active " HEX32 " extra\n", form_msg);

	/* 62 and 130 digits, an odd count, and a non-hex digit. */
	refuses("signing_key = k1 active "
	    "00112233445566778899aabbccddeeff00112233445566778899aabbccddee\n",
	    secret_msg);
	refuses("signing_key = k1 active " HEX64 "00\n", secret_msg);
	refuses("signing_key = k1 active " HEX32 "0\n", secret_msg);
	refuses("signing_key = k1 active "
	    "g0112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff\n",
	    secret_msg);
	refuses("signing_key = k1 active "
	    "0x112233445566778899aabbccddeeff"
	    "00112233445566778899aabbccddeeff\n",
	    secret_msg);

	refuses("signing_key = K1 active " HEX32 "\n", id_msg);
	refuses("signing_key = k.1 active " HEX32 "\n", id_msg);
	refuses("signing_key = seventeen-chars17 active " HEX32 "\n", id_msg);

	refuses("signing_key = k1 active " HEX32 "\n"
	    "signing_key = k1 verify " HEX32B "\n",
	    "cfg:2: signing_key: key id 'k1' given twice");
	no_leaks();
}

Test(conf, signing_key_limit)
{
	struct conf	 c;
	char		 text[16 * 128 + 256];
	size_t		 i, n;

	n = 0;
	for (i = 0; i < CONF_MAX_KEYS; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n,
		    "signing_key = k%zu verify " HEX32 "\n", i);
	}
	parses(&c, text);
	cr_assert_eq(c.nkeys, CONF_MAX_KEYS);
	cr_assert_str_eq(c.keys[15].id, "k15");
	conf_free(&c);

	(void)snprintf(text + n, sizeof(text) - n,
	    "signing_key = k16 active " HEX32 "\n");
	refuses(text, "cfg:17: signing_key: more than 16 keys");
	no_leaks();
}

/* A refused key is not kept, and the message carries none of the secret. */
Test(conf, signing_key_refused_not_kept)
{
	struct conf	 c;
	char		 err[256];
	const char	*text = "signing_key = k1 active " HEX32 "\n"
			    "signing_key = k2 active " HEX32 "0\n";

	conf_init(&c);
	cr_assert_eq(conf_parse(&c, "cfg", text, strlen(text), err,
	    sizeof(err)), 0);
	cr_assert_eq(c.nkeys, 1);
	cr_assert_str_eq(c.keys[0].id, "k1");
	cr_assert_null(strstr(err, "0011"), "%s", err);
	conf_free(&c);
	no_leaks();
}

Test(conf, check)
{
	struct conf	 c;
	char		 err[256];

	parses(&c, MINIMAL);
	err[0] = '\0';
	cr_assert_eq(conf_check(&c, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(conf_active_key(&c), &c.keys[0]);
	conf_free(&c);

	/* The active key may come after keys that only verify. */
	parses(&c, "database = x\npublic_url = https://p\n"
	    "signing_key = old verify " HEX32 "\n"
	    "signing_key = gone retired " HEX32 "\n"
	    "signing_key = new active " HEX32B "\n"
	    "gateway_url = https://gw\ngateway_secret_key = sk\n");
	cr_assert_eq(conf_check(&c, err, sizeof(err)), 1, "%s", err);
	cr_assert_str_eq(conf_active_key(&c)->id, "new");
	conf_free(&c);

	checks("public_url = https://p\nsigning_key = k1 active " HEX32 "\n",
	    "database: missing (a libpq connection string, e.g. "
	    "\"host=/run/postgresql dbname=payportal\")");
	checks("database = x\nsigning_key = k1 active " HEX32 "\n",
	    "public_url: missing (the HTTPS address customers open, e.g. "
	    "https://pay.example.com)");
	checks("database = x\npublic_url = https://p\n",
	    "signing_key: no active key (add 'signing_key = <id> active "
	    "<64 hex digits>')");
	checks("database = x\npublic_url = https://p\n"
	    "signing_key = k1 verify " HEX32 "\n"
	    "signing_key = k2 retired " HEX32 "\n",
	    "signing_key: no active key (add 'signing_key = <id> active "
	    "<64 hex digits>')");
	checks(MINIMAL "signing_key = k2 active " HEX32B "\n",
	    "signing_key: 2 keys are active; exactly one signs new links, "
	    "mark the others 'verify'");
	checks(MINIMAL "gateway_url = https://api.gateway.test\n",
	    "gateway_secret_key: missing while gateway_url is set");
	/* Checked in order: the first missing setting is named. */
	checks("gateway_url = https://gw\n",
	    "database: missing (a libpq connection string, e.g. "
	    "\"host=/run/postgresql dbname=payportal\")");
	no_leaks();
}

Test(conf, env)
{
	struct conf	 c;
	char		 err[256];

	env_clear();
	parses(&c, MINIMAL "workers = 3\n");
	cr_assert_eq(setenv("PAYPORTAL_DATABASE",
	    "host=/run/postgresql dbname=other", 1), 0);
	cr_assert_eq(setenv("PAYPORTAL_PUBLIC_URL", "https://env.example.com//",
	    1), 0);
	cr_assert_eq(setenv("PAYPORTAL_LISTEN", "0.0.0.0:9000", 1), 0);
	cr_assert_eq(setenv("PAYPORTAL_LOG_LEVEL", "debug", 1), 0);
	cr_assert_eq(setenv("PAYPORTAL_TRUSTED_PROXIES", "10.1.1.1,10.1.1.2",
	    1), 0);
	/* Only the exact upper-case name is read. */
	cr_assert_eq(setenv("payportal_workers", "9", 1), 0);
	cr_assert_eq(setenv("PAYPORTAL_Workers", "9", 1), 0);
	err[0] = '\0';
	cr_assert_eq(conf_load_env(&c, err, sizeof(err)), 1, "%s", err);
	cr_assert_str_eq(c.database, "host=/run/postgresql dbname=other");
	cr_assert_str_eq(c.public_url, "https://env.example.com");
	cr_assert_str_eq(c.listen_host, "0.0.0.0");
	cr_assert_str_eq(c.listen_port, "9000");
	cr_assert_eq(c.log_level, CONF_LOG_DEBUG);
	cr_assert_eq(c.ntrusted, 2);
	cr_assert_str_eq(c.trusted_proxies[1], "10.1.1.2");
	cr_assert_eq(c.workers, 3);
	cr_assert_eq(conf_check(&c, err, sizeof(err)), 1, "%s", err);
	conf_free(&c);
	env_clear();
	cr_assert_eq(unsetenv("payportal_workers"), 0);
	cr_assert_eq(unsetenv("PAYPORTAL_Workers"), 0);
	no_leaks();
}

Test(conf, env_signing_keys)
{
	struct conf	 c;
	char		 err[256];

	env_clear();
	cr_assert_eq(setenv("PAYPORTAL_SIGNING_KEYS",
	    " k2 active " HEX32B ";;  k1 verify " HEX64 " ; ", 1), 0);
	cr_assert_eq(setenv("PAYPORTAL_DATABASE", "dbname=pp", 1), 0);
	cr_assert_eq(setenv("PAYPORTAL_PUBLIC_URL", "https://pay.example.com",
	    1), 0);
	conf_init(&c);
	err[0] = '\0';
	cr_assert_eq(conf_load_env(&c, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(c.nkeys, 2);
	cr_assert_str_eq(c.keys[0].id, "k2");
	cr_assert_eq(c.keys[0].state, LINK_KEY_ACTIVE);
	cr_assert_eq(c.keys[0].secret[0], 0xff);
	cr_assert_str_eq(c.keys[1].id, "k1");
	cr_assert_eq(c.keys[1].state, LINK_KEY_VERIFY);
	cr_assert_eq(c.keys[1].secret_len, 64);
	cr_assert_eq(conf_check(&c, err, sizeof(err)), 1, "%s", err);
	cr_assert_str_eq(conf_active_key(&c)->id, "k2");
	conf_free(&c);

	/* One key in PAYPORTAL_SIGNING_KEY, no separators needed. */
	env_clear();
	cr_assert_eq(setenv("PAYPORTAL_SIGNING_KEY", "solo active " HEX32, 1),
	    0);
	conf_init(&c);
	cr_assert_eq(conf_load_env(&c, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(c.nkeys, 1);
	cr_assert_str_eq(c.keys[0].id, "solo");
	conf_free(&c);

	/* The environment's set replaces the file's keys, not adds to them. */
	env_clear();
	cr_assert_eq(setenv("PAYPORTAL_SIGNING_KEYS", "k1 active " HEX32B, 1),
	    0);
	conf_init(&c);
	cr_assert_eq(conf_parse(&c, "cfg", "signing_key = k1 active " HEX32
	    "\nsigning_key = k0 verify " HEX64 "\n", strlen("signing_key = "
	    "k1 active " HEX32 "\nsigning_key = k0 verify " HEX64 "\n"), err,
	    sizeof(err)), 1, "%s", err);
	cr_assert_eq(c.nkeys, 2);
	cr_assert_eq(conf_load_env(&c, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(c.nkeys, 1);
	cr_assert_str_eq(c.keys[0].id, "k1");
	cr_assert_eq(c.keys[0].secret[0], 0xff);
	conf_free(&c);
	env_clear();
	no_leaks();
}

Test(conf, env_errors)
{
	refuses_env("PAYPORTAL_WORKERS", "many", "environment "
	    "PAYPORTAL_WORKERS: workers: 'many' is not a number from 1 to 64");
	refuses_env("PAYPORTAL_DATABASE", "",
	    "environment PAYPORTAL_DATABASE: database: must not be empty");
	/* The environment is not trimmed. */
	refuses_env("PAYPORTAL_PUBLIC_URL", "https://pay.example.com ",
	    "environment PAYPORTAL_PUBLIC_URL: public_url: "
	    "'https://pay.example.com ' has no valid host");
	refuses_env("PAYPORTAL_SIGNING_KEYS",
	    "k1 active " HEX32 "; k1 verify " HEX32B,
	    "environment PAYPORTAL_SIGNING_KEYS: signing_keys: key id 'k1' "
	    "given twice");
	refuses_env("PAYPORTAL_SIGNING_KEYS", "k1 active " HEX32 "; k2 verify",
	    "environment PAYPORTAL_SIGNING_KEYS: signing_keys: expected "
	    "'<id> <active|verify|retired> <hex secret>'");
	refuses_env("PAYPORTAL_SIGNING_KEY", "k1 active abcd",
	    "environment PAYPORTAL_SIGNING_KEY: signing_key: key 'k1' secret "
	    "must be 64 to 128 hex digits (32 to 64 random bytes)");
	env_clear();
	no_leaks();
}

Test(conf, load_file)
{
	struct conf	 c;
	char		 path[] = "/tmp/test_conf.XXXXXX";
	char		 err[512], want[512];
	int		 fd;
	FILE		*fp;

	if ((fd = mkstemp(path)) == -1)
		cr_assert_fail("mkstemp");
	cr_assert_not_null((fp = fdopen(fd, "w")));
	fputs(MINIMAL "# done\nworkers = 6\n", fp);
	cr_assert_eq(fclose(fp), 0);

	conf_init(&c);
	err[0] = '\0';
	cr_assert_eq(conf_load_file(&c, path, err, sizeof(err)), 1, "%s", err);
	cr_assert_eq(c.workers, 6);
	cr_assert_str_eq(c.public_url, "https://pay.example.com");
	cr_assert_eq(c.nkeys, 1);
	cr_assert_eq(conf_check(&c, err, sizeof(err)), 1, "%s", err);
	conf_free(&c);

	/* Errors name the file and the line. */
	cr_assert_not_null((fp = fopen(path, "w")));
	fputs("database = x\n\nworkers = 0\n", fp);
	cr_assert_eq(fclose(fp), 0);
	conf_init(&c);
	cr_assert_eq(conf_load_file(&c, path, err, sizeof(err)), 0);
	(void)snprintf(want, sizeof(want), "%s:3: workers: '0' is not a "
	    "number from 1 to 64", path);
	cr_assert_str_eq(err, want);
	conf_free(&c);
	cr_assert_eq(unlink(path), 0);

	conf_init(&c);
	cr_assert_eq(conf_load_file(&c, path, err, sizeof(err)), 0);
	(void)snprintf(want, sizeof(want), "config file %s: No such file or "
	    "directory", path);
	cr_assert_str_eq(err, want);
	conf_free(&c);
	no_leaks();
}

/* Every string set twice and then freed: LeakSanitizer checks the rest. */
Test(conf, no_leaks)
{
	struct conf	 c;
	char		 err[256];

	parses(&c,
	    "listen = a:1\nlisten = b:2\nrunas = a\nrunas = b\n"
	    "database = a\ndatabase = b\n"
	    "public_url = https://a\npublic_url = https://b/\n"
	    "trusted_proxies = a b c\ntrusted_proxies = d e\n"
	    "gateway_url = https://a\ngateway_url = https://b\n"
	    "gateway_secret_key = a\ngateway_secret_key = b\n"
	    "gateway_publishable_key = a\ngateway_publishable_key = b\n"
	    "gateway_webhook_secret = a\ngateway_webhook_secret = b\n"
	    "gateway_version = a\ngateway_version = b\n"
	    "smtp_url = smtp://a\nsmtp_url = smtp://b\n"
	    "smtp_from = a\nsmtp_from = b\n"
	    "signing_key = k1 active " HEX32 "\n");
	env_clear();
	cr_assert_eq(setenv("PAYPORTAL_RUNAS", "c", 1), 0);
	cr_assert_eq(setenv("PAYPORTAL_SMTP_FROM", "c", 1), 0);
	cr_assert_eq(conf_load_env(&c, err, sizeof(err)), 1, "%s", err);
	cr_assert_str_eq(c.runas, "c");
	cr_assert_str_eq(c.listen_host, "b");
	cr_assert_str_eq(c.public_url, "https://b");
	cr_assert_eq(c.ntrusted, 2);
	conf_free(&c);

	/* Also after a failed setting. */
	refuses("trusted_proxies = 1 2 3 4 5 6 7 8 9 10\n",
	    "cfg:1: trusted_proxies: more than 8 addresses");
	env_clear();
	no_leaks();
}

Test(conf, staff_sign_in_settings)
{
	struct conf	c;

	parses(&c, "session_idle = 600\nsession_max = 3600\n"
	    "signin_max_failures = 3\nsignin_window = 120\n"
	    "signin_lockout = 300\npassword_t_cost = 3\n"
	    "password_m_kib = 65536\npassword_parallelism = 2\n");
	cr_assert_eq(c.session_idle, 600);
	cr_assert_eq(c.session_max, 3600);
	cr_assert_eq(c.signin_max_failures, 3);
	cr_assert_eq(c.signin_window, 120);
	cr_assert_eq(c.signin_lockout, 300);
	cr_assert_eq(c.password.t_cost, 3);
	cr_assert_eq(c.password.m_kib, 65536);
	cr_assert_eq(c.password.parallelism, 2);
	conf_free(&c);

	conf_init(&c);
	cr_assert_eq(c.password.m_kib, 19456, "OWASP's minimum by default");
	cr_assert_eq(c.session_idle, 1800);
	conf_free(&c);

	refuses("password_m_kib = 1024", "cfg:1: password_m_kib: '1024' is "
	    "not a number from 8192 to 1048576");
	refuses("session_idle = 5", "cfg:1: session_idle: '5' is not a "
	    "number from 60 to 86400");
	refuses("signin_max_failures = many", "cfg:1: signin_max_failures: "
	    "'many' is not a number from 1 to 100");
	checks("database = x\npublic_url = https://p.example\nsigning_key = "
	    "k active 000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
	    "1c1d1e1f\nsession_idle = 7200\nsession_max = 3600\n",
	    "session_max: 3600 seconds is shorter than session_idle (7200)");
}

Test(conf, sms_settings)
{
	struct conf	c;

	refuses("sms_url = http://sms.example", "cfg:1: sms_url: "
	    "'http://sms.example' is not an https:// URL");
	parses(&c, "sms_url = http://127.0.0.1:12100\n");
	conf_free(&c);
	checks("database = x\npublic_url = https://p.example\nsigning_key = "
	    "k active 000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
	    "1c1d1e1f\nsms_url = https://api.twilio.com\n",
	    "sms_account, sms_token and sms_from: all needed while sms_url is "
	    "set");
}
