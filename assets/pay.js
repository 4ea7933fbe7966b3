/*
 * payportal: the pay page's running total. Amounts are parsed exactly as the
 * server does (digits, optional thousands commas, at most the currency's
 * decimals) into integer minor units with BigInt: no floating point. This is
 * a preview only; the server recomputes everything on review.
 */
(function () {
	"use strict";

	document.documentElement.classList.add("js");

	function parseMinor(text, exponent) {
		var s = text.trim(), m, whole, frac;
		m = /^(\d{1,3}(?:,\d{3})+|\d+)?(?:\.(\d*))?$/.exec(s);
		if (s === "" || m === null || (m[1] === undefined && !m[2]))
			return null;
		whole = (m[1] || "0").replace(/,/g, "");
		frac = m[2];
		if (frac !== undefined && (frac.length === 0 || frac.length > exponent))
			return null;
		frac = (frac || "").padEnd(exponent, "0");
		return BigInt(whole) * (10n ** BigInt(exponent)) + BigInt(frac || "0");
	}

	/* The server's display form: "$1,234.50", "¥1,235", "KWD 1.234". */
	function format(minor, currency, symbol, exponent) {
		var scale = 10n ** BigInt(exponent), whole = minor / scale;
		var frac = (minor % scale).toString().padStart(exponent, "0");
		var w = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
		return (symbol ? symbol : currency + " ") + w +
		    (exponent > 0 ? "." + frac : "");
	}

	function update(form) {
		var rows = form.querySelectorAll(".invoice"), totals = {}, order = [];
		var bad = false, count = 0, out = document.getElementById("live-total");
		var all = document.getElementById("select-all"), boxes = 0, ticked = 0;
		rows.forEach(function (row) {
			var box = row.querySelector(".pick-box");
			var input = row.querySelector(".money-input input");
			var cur = row.dataset.currency, exp = Number(row.dataset.exponent);
			var v, open;
			if (!box)
				return;
			boxes++;
			if (!box.checked)
				return;
			ticked++;
			count++;
			v = input ? parseMinor(input.value, exp) : null;
			open = input ? parseMinor(input.dataset.open, exp) : null;
			if (v === null || v <= 0n || (open !== null && v > open)) {
				bad = true;
				return;
			}
			if (!(cur in totals)) {
				totals[cur] = { sum: 0n, exp: exp,
				    symbol: row.dataset.symbol };
				order.push(cur);
			}
			totals[cur].sum += v;
		});
		if (all) {
			all.checked = boxes > 0 && ticked === boxes;
			all.indeterminate = ticked > 0 && ticked < boxes;
		}
		if (!out)
			return;
		if (count === 0)
			out.textContent = "Nothing selected";
		else if (bad)
			out.textContent = "Check the amounts";
		else if (order.length > 1)
			out.textContent = "Pick one currency";
		else
			out.textContent = format(totals[order[0]].sum, order[0],
			    totals[order[0]].symbol, totals[order[0]].exp);
		out.dataset.minor = (count > 0 && !bad && order.length === 1) ?
		    totals[order[0]].sum.toString() : "";
		fees(count > 0 && !bad && order.length === 1 ? order[0] : null,
		    order.length === 1 ? totals[order[0]] : null);
	}

	/* The convenience fee per method, as the server computes it. */
	function feeFor(rule, base) {
		var fee = (base * BigInt(rule.dataset.bp) + 5000n) / 10000n +
		    BigInt(rule.dataset.fixed);
		var min = BigInt(rule.dataset.min), max = BigInt(rule.dataset.max);
		if (min >= 0n && fee < min)
			fee = min;
		if (max >= 0n && fee > max)
			fee = max;
		return fee;
	}

	function fees(currency, total) {
		var out = document.getElementById("live-fees"), parts = [];
		if (!out)
			return;
		if (currency !== null) {
			document.querySelectorAll("#fee-rules li").forEach(function (r) {
				var fee;
				if (r.dataset.currency !== currency)
					return;
				fee = feeFor(r, total.sum);
				parts.push(r.dataset.label + ": fee " +
				    format(fee, currency, total.symbol, total.exp) +
				    ", total " + format(total.sum + fee, currency,
				    total.symbol, total.exp));
			});
		}
		out.textContent = parts.join(" · ");
	}

	/* Card or bank details go to the gateway; only its id to us. */
	function checkout(form) {
		var button = document.getElementById("pay-button");
		var error = document.getElementById("pay-error");
		var pm = document.getElementById("payment-method");

		function method() {
			var m = form.querySelector("input[name=method]:checked");
			return m ? m.value : "";
		}
		function show() {
			var m = form.querySelector("input[name=method]:checked");
			var total = m ? m.closest(".method").querySelector("[data-total]") : null;
			form.querySelectorAll(".pay-fields").forEach(function (f) {
				f.hidden = f.dataset.for !== method();
			});
			if (total && !button.disabled)
				button.textContent = "Pay " + total.textContent;
		}
		function fail(message) {
			error.textContent = message;
			error.hidden = false;
			button.disabled = false;
			show();
		}
		function value(id) {
			return document.getElementById(id).value.replace(/\s+/g, "");
		}
		form.addEventListener("change", show);
		show();
		form.addEventListener("submit", function (e) {
			var body = new URLSearchParams(), exp;
			e.preventDefault();
			if (button.disabled)
				return;
			error.hidden = true;
			if (method() === "card") {
				exp = value("card-exp").split("/");
				if (exp.length !== 2)
					return fail("Enter the expiry date as MM/YY.");
				body.set("type", "card");
				body.set("card[number]", value("card-number"));
				body.set("card[exp_month]", exp[0]);
				body.set("card[exp_year]", exp[1].length === 2 ?
				    "20" + exp[1] : exp[1]);
				body.set("card[cvc]", value("card-cvc"));
			} else {
				body.set("type", "us_bank_account");
				body.set("us_bank_account[routing_number]",
				    value("bank-routing"));
				body.set("us_bank_account[account_number]",
				    value("bank-account"));
				body.set("us_bank_account[account_holder_type]",
				    "individual");
				body.set("billing_details[name]",
				    document.getElementById("bank-name").value.trim());
			}
			button.disabled = true;
			button.textContent = "Processing…";
			fetch(form.dataset.gateway + "/v1/payment_methods", {
				method: "POST",
				headers: { "Authorization": "Bearer " + form.dataset.key,
				    "Content-Type": "application/x-www-form-urlencoded" },
				body: body.toString()
			}).then(function (r) {
				return r.json();
			}).then(function (j) {
				if (j.error || !j.id)
					return fail(j.error && j.error.message ?
					    j.error.message : "Those details were not accepted.");
				pm.value = j.id;
				form.submit();
			}).catch(function () {
				fail("We could not reach the payment processor. Please try again.");
			});
		});
	}

	document.addEventListener("DOMContentLoaded", function () {
		var form = document.getElementById("pay-form");
		var all = document.getElementById("select-all");
		var errors = document.getElementById("errors");

		document.querySelectorAll("[data-print]").forEach(function (b) {
			b.addEventListener("click", function () { window.print(); });
		});
		if (errors)
			errors.focus();
		if (document.getElementById("checkout") &&
		    document.getElementById("pay-button"))
			checkout(document.getElementById("checkout"));
		if (!form)
			return;

		form.addEventListener("input", function (e) {
			var t = e.target, box;
			if (t === all)
				return;
			/* Typing an amount selects its invoice. */
			if (t.dataset && t.dataset.for) {
				box = document.getElementById(t.dataset.for);
				if (box && !box.checked && t.value.trim() !== "")
					box.checked = true;
			}
			update(form);
		});
		form.addEventListener("change", function () { update(form); });
		if (all) {
			all.addEventListener("change", function () {
				form.querySelectorAll(".pick-box").forEach(function (b) {
					b.checked = all.checked;
				});
				update(form);
			});
		}
		update(form);
	});
}());
