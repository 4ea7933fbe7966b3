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
