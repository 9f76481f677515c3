// The public forms' proof of work (smartcity.public): find a nonce such that
// SHA-256(challenge + nonce) starts with the asked number of zero bits, put it in the
// hidden pow_nonce field, and only then let the form go. The search starts when the
// page opens, so by the time a person has filled the form in it is long done; a form
// sent before that waits, saying "checking your browser…", and goes once it is.
// Hashes are asked of crypto.subtle in batches, one batch per task, so the page
// stays responsive. Without this script the server refuses the form with a clear
// word, and the <noscript> note says so before the person starts typing.
(function () {
  "use strict";
  var BATCH = 2048;
  var encoder = new TextEncoder();

  function zeroBits(buffer) {
    var bytes = new Uint8Array(buffer);
    var count = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) {
        count += 8;
        continue;
      }
      return count + Math.clz32(bytes[i]) - 24;
    }
    return count;
  }

  function solve(challenge, bits) {
    var subtle = window.crypto && window.crypto.subtle;
    if (!subtle) return Promise.reject(new Error("no crypto.subtle"));
    var prefix = encoder.encode(challenge);
    var next = 0;
    return new Promise(function (resolve, reject) {
      function batch() {
        var start = next;
        var tries = [];
        for (var i = 0; i < BATCH; i++) {
          var digits = encoder.encode(String(start + i));
          var data = new Uint8Array(prefix.length + digits.length);
          data.set(prefix);
          data.set(digits, prefix.length);
          tries.push(subtle.digest("SHA-256", data));
        }
        next = start + BATCH;
        Promise.all(tries).then(function (digests) {
          for (var j = 0; j < digests.length; j++) {
            if (zeroBits(digests[j]) >= bits) {
              resolve(String(start + j));
              return;
            }
          }
          setTimeout(batch, 0); // let the page breathe between batches
        }, reject);
      }
      batch();
    });
  }

  function guard(field) {
    var form = field.form;
    // The script tag comes with every guarded form: start each form's search once.
    if (!form || field.getAttribute("data-pow-started")) return;
    field.setAttribute("data-pow-started", "1");
    var nonce = form.querySelector("input[name=pow_nonce]");
    var status = form.querySelector("[data-pow-status]");
    var bits = parseInt(field.getAttribute("data-pow-bits"), 10);
    var solved = false;
    var waiting = false;
    var submitter = null;

    function say(key) {
      if (!status) return;
      status.textContent = status.getAttribute(key);
      status.hidden = false;
    }

    form.addEventListener("submit", function (event) {
      if (solved) return;
      event.preventDefault();
      waiting = true;
      submitter = event.submitter || null;
      say("data-pow-working");
      form.setAttribute("aria-busy", "true");
    });

    solve(field.value, bits).then(
      function (found) {
        nonce.value = found;
        solved = true;
        form.removeAttribute("aria-busy");
        if (waiting) {
          say("data-pow-done");
          if (form.requestSubmit) form.requestSubmit(submitter);
          else form.submit();
        }
      },
      function () {
        say("data-pow-unsupported");
      }
    );
  }

  var fields = document.querySelectorAll("input[name=pow_challenge][data-pow-bits]");
  for (var i = 0; i < fields.length; i++) guard(fields[i]);
})();
