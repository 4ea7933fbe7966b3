// Back office: copy a pay link to the clipboard in one click, confirm
// revoking, print. Every form also works without this script.
(function () {
	"use strict";

	function show(status, ok, text, url) {
		status.hidden = false;
		status.className = ok ? "copied" : "copied bad";
		status.textContent = text;
		if (url) {
			var input = document.createElement("input");
			input.readOnly = true;
			input.value = url;
			input.id = "copied-url";
			input.setAttribute("aria-label", "Pay link");
			input.addEventListener("focus", function () { input.select(); });
			status.appendChild(input);
		}
	}

	function copy(form, event) {
		var status = document.getElementById("copy-status");
		if (!window.fetch || !status)
			return;
		event.preventDefault();
		var button = form.querySelector("button[type=submit]");
		button.disabled = true;
		fetch(form.action, {
			method: "POST",
			credentials: "same-origin",
			headers: { "Accept": "application/json",
			    "Content-Type": "application/x-www-form-urlencoded" },
			body: new URLSearchParams(new FormData(form)).toString()
		}).then(function (r) {
			return r.json().then(function (body) { return { r: r, body: body }; });
		}).then(function (x) {
			button.disabled = false;
			if (!x.r.ok || !x.body.url) {
				var msg = x.body.message || (x.body.errors || []).map(function (e) { return e.message; }).join(" ");
				show(status, false, msg || "The link could not be made. Reload the page and try again.");
				return;
			}
			var done = function () { show(status, true, "Link copied to the clipboard.", x.body.url); };
			var manual = function () { show(status, true, "Link ready: copy it from here.", x.body.url); };
			if (navigator.clipboard && navigator.clipboard.writeText)
				navigator.clipboard.writeText(x.body.url).then(done, manual);
			else
				manual();
		}).catch(function () {
			button.disabled = false;
			form.submit();
		});
	}

	document.addEventListener("submit", function (event) {
		var form = event.target;
		if (form.hasAttribute("data-confirm") &&
		    !window.confirm(form.getAttribute("data-confirm"))) {
			event.preventDefault();
			return;
		}
		if (form.classList.contains("js-copy"))
			copy(form, event);
	});

	document.addEventListener("click", function (event) {
		if (event.target.classList && event.target.classList.contains("js-print"))
			window.print();
	});

	// The "To" field follows the channel: the customer's email or number.
	document.addEventListener("change", function (event) {
		var t = event.target;
		if (t.name !== "channel")
			return;
		var to = document.getElementById("to");
		if (!to)
			return;
		var known = [to.getAttribute("data-email"), to.getAttribute("data-phone")];
		if (to.value === "" || known.indexOf(to.value) >= 0)
			to.value = t.value === "sms" ? known[1] || "" : known[0] || "";
	});
})();
