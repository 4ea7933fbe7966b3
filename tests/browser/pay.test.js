// The pay page in a real browser: Debian's chromium driven by
// playwright-core, through HAProxy's TLS, at phone and desktop widths.
// Screenshots go to build/test-output/screenshots for a person to look at.
"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert");
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");

const env = process.env;
const shots = path.resolve(__dirname, "../../build/test-output/screenshots");
let browser;

function mint(...args) {
	return execFileSync(env.E2E_BIN, ["mint-link", "-c", env.E2E_CONF,
	    "--by", "browser test", ...args], { encoding: "utf8" }).trim();
}

async function page(width, height) {
	const ctx = await browser.newContext({
		viewport: { width, height },
		ignoreHTTPSErrors: true,	// the stack's self-signed certificate
		userAgent: `payportal-browser-test/${width}`,
	});
	const p = await ctx.newPage();
	p.problems = [];
	p.on("pageerror", (e) => p.problems.push(e.message));
	// Chromium reports a 422 page (the form again, with errors) as a
	// failed load; every other console error is a problem.
	p.on("console", (m) => {
		if (m.type() === "error" && !/status of 422/.test(m.text()))
			p.problems.push(m.text());
	});
	return p;
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
	test(`select, lower an amount and review at ${width}px`, async () => {
		const p = await page(width, height);
		await p.goto(mint("--customer", "C-1001"));
		await p.screenshot({ path: `${shots}/pay-${name}.png`, fullPage: true });

		await p.check("#pay-INV-1001");
		await p.check("#pay-INV-1003");
		await p.fill("#amount-INV-1003", "100.50");
		const live = await p.textContent("#live-total");
		assert.strictEqual(live, "$1,351.26");
		await p.screenshot({ path: `${shots}/pay-selected-${name}.png`, fullPage: true });

		// No page scrolls sideways on a phone.
		const overflow = await p.evaluate(() =>
		    document.documentElement.scrollWidth > window.innerWidth);
		assert.strictEqual(overflow, false, "horizontal scroll");

		await Promise.all([p.waitForNavigation(), p.click("#review")]);
		const total = await p.textContent("#review-total");
		assert.strictEqual(total, live, "browser and server totals differ");
		await p.screenshot({ path: `${shots}/review-${name}.png`, fullPage: true });
		assert.deepStrictEqual(p.problems, []);
		await p.context().close();
	});
}

test("select all, errors shown next to the field, keyboard only", async () => {
	const p = await page(1280, 900);
	await p.goto(mint("--customer", "C-1001"));
	await p.check("#select-all");
	assert.strictEqual(await p.textContent("#live-total"), "$2,504.69");
	await p.fill("#amount-INV-1002", "600");
	assert.strictEqual(await p.textContent("#live-total"), "Check the amounts");
	await Promise.all([p.waitForNavigation(), p.click("#review")]);
	const err = await p.textContent("#err-INV-1002");
	assert.match(err, /is more than the \$566\.70 still open/);
	assert.strictEqual(await p.inputValue("#amount-INV-1002"), "600");
	await p.screenshot({ path: `${shots}/pay-errors.png`, fullPage: true });

	// Keyboard: fix the amount and submit without the mouse.
	await p.focus("#amount-INV-1002");
	await p.keyboard.press("Control+A");
	await p.keyboard.type("566.70");
	await p.focus("#review");
	await Promise.all([p.waitForNavigation(), p.keyboard.press("Enter")]);
	assert.strictEqual(await p.textContent("#review-total"), "$2,504.69");
	assert.deepStrictEqual(p.problems, []);
	await p.context().close();
});

test("the page works without JavaScript", async () => {
	const ctx = await browser.newContext({ javaScriptEnabled: false,
	    ignoreHTTPSErrors: true, viewport: { width: 375, height: 812 } });
	const p = await ctx.newPage();
	await p.goto(mint("--customer", "C-2001"));
	assert.strictEqual(await p.isVisible("#live-total"), false);
	await p.check("#pay-INV-2001");
	await p.fill("#amount-INV-2001", "1,000");
	await Promise.all([p.waitForNavigation(), p.click("#review")]);
	assert.strictEqual(await p.textContent("#review-total"), "¥1,000");
	await p.screenshot({ path: `${shots}/review-nojs-jpy.png`, fullPage: true });
	await ctx.close();
});

test("printable invoice and the gone page", async () => {
	const p = await page(1280, 900);
	const url = mint("--customer", "C-1001");
	await p.goto(url + "/invoices/INV-1001");
	assert.match(await p.textContent("h1"), /Invoice INV-1001/);
	await p.screenshot({ path: `${shots}/invoice.png`, fullPage: true });
	await p.emulateMedia({ media: "print" });
	assert.strictEqual(await p.isVisible(".topbar"), false);
	await p.screenshot({ path: `${shots}/invoice-print.png`, fullPage: true });
	await p.emulateMedia({ media: "screen" });
	assert.deepStrictEqual(p.problems, []);

	const r = await p.goto(url.replace(/.{4}$/, "AAAA"));
	assert.strictEqual(r.status(), 404);
	await p.screenshot({ path: `${shots}/not-found.png` });
	await p.context().close();
});

// The demo flow end to end: select, see the fees, pay with a test card
// (the card details go to the gateway stand-in, never to the portal), land
// on "Payment successful" and print the receipt in both layouts.
test("pay an invoice by card and print the receipt", async () => {
	const p = await page(1280, 900);
	const posted = [];
	p.on("request", (r) => {
		if (r.method() === "POST" && r.url().includes("/pay/"))
			posted.push(r.postData() || "");
	});
	await p.goto(mint("--customer", "C-1001", "--invoice", "INV-1002"));
	await p.check("#pay-INV-1002");
	await p.fill("#amount-INV-1002", "100.00");
	assert.match(await p.textContent("#live-fees"),
	    /Card: fee \$3\.20, total \$103\.20 · Bank account \(ACH\): fee \$1\.00, total \$101\.00/);
	await p.screenshot({ path: `${shots}/pay-fees.png`, fullPage: true });
	await Promise.all([p.waitForNavigation(), p.click("#review")]);

	// The checkout: each method with its own fee and total.
	const methods = await p.$$eval(".method", (els) =>
	    els.map((e) => e.textContent.replace(/\s+/g, " ").trim()));
	assert.deepStrictEqual(methods, [
		"Card Fee $3.20 Total $103.20",
		"Bank account (ACH) Fee $1.00 Total $101.00",
	]);
	await p.fill("#card-number", "4242 4242 4242 4242");
	await p.fill("#card-exp", "12/34");
	await p.fill("#card-cvc", "123");
	await p.screenshot({ path: `${shots}/checkout.png`, fullPage: true });
	await Promise.all([p.waitForNavigation(), p.click("#pay-button")]);

	assert.match(await p.textContent("h1"), /Payment successful/);
	assert.strictEqual(await p.textContent("#paid-total"), "$103.20");
	assert.match(await p.textContent("#receipt-number"), /^R\d{4}-\d{6}$/);
	await p.screenshot({ path: `${shots}/success.png`, fullPage: true });
	// The portal never saw the card number.
	assert.ok(posted.every((b) => !b.includes("4242424242424242") &&
	    !b.includes("4242+4242")), "card data reached the portal");

	await Promise.all([p.waitForNavigation(), p.click("#print-receipt")]);
	assert.match(await p.textContent("#receipt-total"), /\$103\.20/);
	await p.screenshot({ path: `${shots}/receipt-a4.png`, fullPage: true });
	await p.emulateMedia({ media: "print" });
	await p.screenshot({ path: `${shots}/receipt-a4-print.png`, fullPage: true });
	await p.emulateMedia({ media: "screen" });
	await p.goto(p.url() + "?layout=thermal");
	await p.setViewportSize({ width: 420, height: 900 });
	await p.screenshot({ path: `${shots}/receipt-thermal.png`, fullPage: true });
	assert.deepStrictEqual(p.problems, []);
	await p.context().close();
});

test("a declined card shows why and lets the customer try again", async () => {
	const p = await page(375, 812);
	await p.goto(mint("--customer", "C-2001"));
	await p.check("#pay-INV-2002");
	await Promise.all([p.waitForNavigation(), p.click("#review")]);
	await p.fill("#card-number", "4000 0000 0000 9995");
	await p.fill("#card-exp", "12/34");
	await p.fill("#card-cvc", "123");
	await Promise.all([p.waitForNavigation(), p.click("#pay-button")]);
	assert.match(await p.textContent("h1"), /Payment declined/);
	assert.match(await p.textContent("#failure"), /insufficient funds/);
	await p.screenshot({ path: `${shots}/declined-phone.png`, fullPage: true });

	// A card the gateway refuses outright never leaves the checkout.
	await Promise.all([p.waitForNavigation(), p.click("text=Try again")]);
	await p.check("#pay-INV-2002");
	await Promise.all([p.waitForNavigation(), p.click("#review")]);
	await p.fill("#card-number", "4242 4242 4242 4241");
	await p.fill("#card-exp", "12/34");
	await p.fill("#card-cvc", "123");
	await p.click("#pay-button");
	await p.waitForSelector("#pay-error:not([hidden])");
	assert.match(await p.textContent("#pay-error"), /number/i);
	await p.screenshot({ path: `${shots}/checkout-error-phone.png`, fullPage: true });
	await p.context().close();
});
