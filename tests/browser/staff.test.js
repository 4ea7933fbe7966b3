// The back office in a real browser: sign in, find a customer, copy the
// pay link (clipboard), open it as the customer in another context, then
// see "Copied" and "Viewed" in the link's activity; an admin refunds part
// of a payment. Screenshots go to build/test-output/screenshots for a
// person to look at.
"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { chromium } = require("playwright-core");

const env = process.env;
const base = env.E2E_BASE;
const shots = path.resolve(__dirname, "../../build/test-output/screenshots");
let browser;

async function context(width, height, agent) {
	const ctx = await browser.newContext({
		viewport: { width, height },
		ignoreHTTPSErrors: true,
		userAgent: agent,
	});
	await ctx.grantPermissions(["clipboard-read", "clipboard-write"],
	    { origin: base });
	return ctx;
}

function watch(p) {
	p.problems = [];
	p.on("pageerror", (e) => p.problems.push(e.message));
	p.on("console", (m) => {
		if (m.type() === "error" && !/status of (401|403|422|429)/.test(m.text()))
			p.problems.push(m.text());
	});
	return p;
}

async function signin(p, email, password) {
	await p.goto(`${base}/staff/customers`);
	assert.match(p.url(), /\/staff\/signin\?next=/);
	await p.fill("#email", email);
	await p.fill("#password", password);
	await Promise.all([p.waitForNavigation(), p.click("#signin")]);
}

before(async () => {
	fs.mkdirSync(shots, { recursive: true });
	browser = await chromium.launch({
		executablePath: "/usr/bin/chromium",
		args: ["--headless", "--no-sandbox", "--disable-gpu",
		    "--disable-background-networking"],
	});
});

after(async () => {
	await browser.close();
});

for (const [width, height, name] of [[375, 812, "phone"], [1280, 900, "desktop"]]) {
	test(`sign in, copy a customer's link, see its activity at ${width}px`, async () => {
		const ctx = await context(width, height, `payportal-staff-browser/${width}`);
		const p = watch(await ctx.newPage());
		await p.goto(`${base}/staff/signin`);
		await p.screenshot({ path: `${shots}/staff-signin-${name}.png`, fullPage: true });
		// A wrong password first: the same form, with the message.
		await p.fill("#email", "staff@harborstreet.example");
		await p.fill("#password", "not the password");
		await Promise.all([p.waitForNavigation(), p.click("#signin")]);
		assert.strictEqual(await p.textContent("#signin-error"), "Email or password is wrong.");

		await signin(p, "staff@harborstreet.example", env.E2E_STAFF_PASSWORD);
		assert.match(p.url(), /\/staff\/customers$/);
		await p.fill("#q", "alpine");
		await Promise.all([p.waitForNavigation(), p.press("#q", "Enter")]);
		await p.screenshot({ path: `${shots}/staff-customers-${name}.png`, fullPage: true });
		await Promise.all([p.waitForNavigation(), p.click("text=Alpine Outfitters GmbH")]);
		assert.strictEqual(await p.textContent("#customer-name"), "Alpine Outfitters GmbH");

		await p.click("#copy-link");
		await p.waitForSelector("#copy-status:not([hidden])");
		assert.match(await p.textContent("#copy-status"), /Link copied to the clipboard/);
		const url = await p.evaluate(() => navigator.clipboard.readText());
		assert.match(url, /^https:\/\/localhost:\d+\/pay\/p1\./);
		assert.strictEqual(await p.inputValue("#copied-url"), url);
		await p.screenshot({ path: `${shots}/staff-customer-${name}.png`, fullPage: true });

		// The customer opens it in a browser of their own.
		const cust = await context(width, height, `customer-browser/${width}`);
		const c = watch(await cust.newPage());
		await c.goto(url);
		assert.strictEqual(await c.textContent("#customer"), "Alpine Outfitters GmbH");
		await cust.close();

		// Back office: the link's activity shows copied and viewed.
		await p.reload();
		await Promise.all([p.waitForNavigation(), p.click("#links a:has-text('Activity')")]);
		const labels = await p.$$eval("#activity .ev-label", (els) => els.map((e) => e.textContent));
		assert.ok(labels.includes("Copied"), labels.join());
		assert.ok(labels.includes("Viewed"), labels.join());
		assert.ok(labels.indexOf("Copied") < labels.lastIndexOf("Viewed"), labels.join());
		assert.match(await p.textContent("#activity"), new RegExp(`customer-browser/${width}`));
		await p.screenshot({ path: `${shots}/staff-link-${name}.png`, fullPage: true });

		const overflow = await p.evaluate(() =>
		    document.documentElement.scrollWidth > window.innerWidth);
		assert.strictEqual(overflow, false, "horizontal scroll");
		assert.deepStrictEqual(p.problems, []);
		await ctx.close();
	});
}

test("admin activity, team and a printed invoice", async () => {
	const ctx = await context(1280, 900, "payportal-admin-browser");
	const p = watch(await ctx.newPage());
	await signin(p, "admin@harborstreet.example", env.E2E_ADMIN_PASSWORD);
	await Promise.all([p.waitForNavigation(), p.click("#nav-activity")]);
	await p.selectOption("#kind", "copied");
	await Promise.all([p.waitForNavigation(), p.click("#filter")]);
	const kinds = await p.$$eval("#events tbody tr td:nth-child(2)", (els) => els.map((e) => e.textContent.trim()));
	assert.ok(kinds.length > 0);
	assert.ok(kinds.every((k) => k === "Copied"), kinds.join());
	await p.screenshot({ path: `${shots}/staff-activity-desktop.png`, fullPage: true });

	await Promise.all([p.waitForNavigation(), p.click("#nav-team")]);
	await p.screenshot({ path: `${shots}/staff-team-desktop.png`, fullPage: true });
	await Promise.all([p.waitForNavigation(), p.click("#nav-settings")]);
	assert.match(await p.textContent("#key-list"), /k2/);
	await p.screenshot({ path: `${shots}/staff-settings-desktop.png`, fullPage: true });
	// A refused fee rule: the message by its field, what was typed kept.
	await p.fill("#fee-currency", "CHF");
	await p.fill("#fee-percent", "2.999");
	await Promise.all([p.waitForNavigation(), p.click("#save-fee")]);
	assert.match(await p.textContent("#fee-percent-error"), /Percentage must be/);
	assert.strictEqual(await p.getAttribute("#fee-percent", "aria-describedby"), "fee-percent-error");
	assert.strictEqual(await p.inputValue("#fee-currency"), "CHF");
	await p.locator("#fees").screenshot({ path: `${shots}/staff-settings-fee-error-desktop.png` });

	await p.goto(`${base}/staff/customers?q=northwind`);
	await Promise.all([p.waitForNavigation(), p.click("text=Northwind Café")]);
	await Promise.all([p.waitForNavigation(), p.click("#invoices a.mono >> nth=0")]);
	await p.screenshot({ path: `${shots}/staff-invoice-desktop.png`, fullPage: true });
	assert.deepStrictEqual(p.problems, []);
	await ctx.close();
});

test("a logo uploaded in Settings heads the back office, the pay page and printed documents", async () => {
	const ctx = await context(1280, 900, "payportal-admin-browser");
	const p = watch(await ctx.newPage());
	await signin(p, "admin@harborstreet.example", env.E2E_ADMIN_PASSWORD);
	await p.goto(`${base}/staff/settings`);
	// Not an image: refused next to the field.
	await p.setInputFiles("#logo", { name: "logo.svg", mimeType: "image/svg+xml",
	    buffer: Buffer.from("<svg xmlns=\"http://www.w3.org/2000/svg\"/>") });
	await Promise.all([p.waitForNavigation(), p.click("#save-business")]);
	assert.strictEqual(await p.textContent("#logo-error"), "Logo must be a PNG or JPEG image.");
	await p.locator("#business").screenshot({ path: `${shots}/staff-settings-logo-error-desktop.png` });
	await p.setInputFiles("#logo", path.resolve(__dirname, "../e2e/logo.png"));
	await Promise.all([p.waitForNavigation(), p.click("#save-business")]);
	assert.ok(await p.isVisible("#logo-now"));

	// Every node picks the logo up within about two seconds.
	const url = execFileSync(env.E2E_BIN, ["mint-link", "-c", env.E2E_CONF,
	    "--customer", "C-1001"], { encoding: "utf8" }).trim().split("\n").pop();
	const c = watch(await ctx.newPage());
	for (let i = 0; i < 50; i++) {
		await c.goto(url);
		if (await c.isVisible(".topbar .brand-logo"))
			break;
		await c.waitForTimeout(100);
	}
	assert.ok(await c.evaluate(() => document.querySelector(".brand-logo").naturalWidth > 0), "the logo loads");
	await c.screenshot({ path: `${shots}/pay-logo-desktop.png` });
	await c.goto(`${url}/invoices/INV-1001`);
	assert.ok(await c.isVisible("#doc-logo"));
	await c.screenshot({ path: `${shots}/invoice-logo-desktop.png` });
	await p.goto(`${base}/staff/customers`);
	assert.ok(await p.isVisible(".staff-bar .brand-logo"));
	await p.screenshot({ path: `${shots}/staff-logo-desktop.png` });

	// Removed again, so the other tests see the demo as it was.
	await p.goto(`${base}/staff/settings`);
	await p.check("#remove_logo");
	await Promise.all([p.waitForNavigation(), p.click("#save-business")]);
	assert.ok(!(await p.isVisible("#logo-now")));
	assert.deepStrictEqual(p.problems, []);
	assert.deepStrictEqual(c.problems, []);
	await ctx.close();
});

// A customer pays part of an invoice; an admin refunds part of that from
// the customer's Financial tab, sees it requested and then refunded, and
// the customer's receipt shows the refund.
test("an admin refunds part of a payment", async () => {
	const cust = await context(1280, 900, "customer-browser/refund");
	const c = watch(await cust.newPage());
	// The test before removed the logo; each worker forgets it within
	// about two seconds, and until then a page may show an image now gone.
	await c.waitForTimeout(2500);
	const url = execFileSync(env.E2E_BIN, ["mint-link", "-c", env.E2E_CONF,
	    "--customer", "C-4001"], { encoding: "utf8" }).trim().split("\n").pop();
	await c.goto(url);
	await c.check("#pay-INV-4001");
	await c.fill("#amount-INV-4001", "12.500");
	await Promise.all([c.waitForNavigation(), c.click("#review")]);
	await c.fill("#card-number", "4242 4242 4242 4242");
	await c.fill("#card-exp", "12/34");
	await c.fill("#card-cvc", "123");
	await Promise.all([c.waitForNavigation(), c.click("#pay-button")]);
	assert.match(await c.textContent("h1"), /Payment successful/);
	const receipt = (await c.textContent("#receipt-number")).trim();
	await Promise.all([c.waitForNavigation(), c.click("#print-receipt")]);
	const receiptUrl = c.url();

	const ctx = await context(1280, 900, "payportal-admin-browser");
	const p = watch(await ctx.newPage());
	await signin(p, "admin@harborstreet.example", env.E2E_ADMIN_PASSWORD);
	await p.goto(`${base}/staff/customers?q=gulf`);
	await Promise.all([p.waitForNavigation(), p.click("text=Gulf Marine Supply")]);
	await Promise.all([p.waitForNavigation(), p.click(`#refund-${receipt}`)]);
	assert.strictEqual((await p.textContent("#receipt-number")).trim(), receipt);
	const amount = p.locator("#amounts tbody input").first();
	assert.strictEqual(await amount.inputValue(), "12.500");
	assert.ok(await p.isChecked("#fee"), "refunding everything gives back the fee");

	// Too many decimals: the message by the field, what was typed kept.
	await amount.fill("5.0001");
	await p.uncheck("#fee");
	await p.fill("#reason", "Two fenders returned");
	await Promise.all([p.waitForNavigation(), p.click("#refund-submit")]);
	const field = await amount.getAttribute("id");
	assert.match(await p.textContent(`#${field}-error`), /more than 3 decimal places/);
	assert.strictEqual(await amount.getAttribute("aria-describedby"), `${field}-error`);
	assert.strictEqual(await amount.inputValue(), "5.0001");
	assert.strictEqual(await p.inputValue("#reason"), "Two fenders returned");
	assert.ok(!(await p.isChecked("#fee")));
	await p.screenshot({ path: `${shots}/staff-refund-error-desktop.png`, fullPage: true });

	await amount.fill("5.000");
	await Promise.all([p.waitForNavigation(), p.click("#refund-submit")]);
	assert.match(await p.textContent("#requested"), /Refund requested/);
	// The page looks again every few seconds while the refund is sent.
	for (let i = 0; i < 60 && !(await p.isVisible("#refund-list .state-refunded")); i++)
		await p.waitForTimeout(500);
	assert.ok(await p.isVisible("#refund-list .state-refunded"), "not refunded");
	assert.match(await p.textContent("#refund-list"), /Two fenders returned/);
	assert.match(await p.textContent("#receipt-refunded"), /KWD 5\.000/);
	await p.screenshot({ path: `${shots}/staff-refund-desktop.png`, fullPage: true });
	await p.setViewportSize({ width: 375, height: 812 });
	await p.screenshot({ path: `${shots}/staff-refund-phone.png`, fullPage: true });
	assert.strictEqual(await p.evaluate(() =>
	    document.documentElement.scrollWidth > window.innerWidth), false,
	    "horizontal scroll");
	await p.setViewportSize({ width: 1280, height: 900 });

	await Promise.all([p.waitForNavigation(), p.click(`text=Gulf Marine Supply`)]);
	assert.match(await p.textContent("#refunds"), /refunded/);
	await p.screenshot({ path: `${shots}/staff-customer-refunds-desktop.png`, fullPage: true });

	await c.goto(receiptUrl);
	assert.match(await c.textContent("#receipt-refunds"), /KWD 5\.000/);
	await c.screenshot({ path: `${shots}/receipt-refunded.png`, fullPage: true });
	assert.deepStrictEqual(p.problems, []);
	assert.deepStrictEqual(c.problems, []);
	await ctx.close();
	await cust.close();
});
