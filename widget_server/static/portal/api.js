/* widget-server portal: the JSON API client (Bearer token, locale, one error shape). */
(function (parts) {
  "use strict";

  /** A failed request: `status` (0 = network), `code` and the server's translated `message`. */
  function ApiError(status, code, message, body) {
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.message = message || "";
    this.body = body || null; // the whole JSON body (a 409 preview_stale carries a preview)
  }
  ApiError.prototype = Object.create(Error.prototype);

  /**
   * createApi({apiBase, token, locale}) -> {get, post, patch, del}
   * An explicit locale (anything but "auto") is sent as ?locale= and Accept-Language;
   * otherwise the browser's own Accept-Language applies.
   */
  function createApi(options) {
    var base = String(options.apiBase || "").replace(/\/+$/, "");
    var locale = options.locale && options.locale !== "auto" ? String(options.locale) : null;

    function url(path) {
      var full = base + path;
      if (locale) full += (full.indexOf("?") === -1 ? "?" : "&") + "locale=" +
        encodeURIComponent(locale);
      return full;
    }

    function request(method, path, body, requestOptions) {
      var headers = { Accept: "application/json", Authorization: "Bearer " + options.token };
      if (locale) headers["Accept-Language"] = locale;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (requestOptions && requestOptions.idempotencyKey) {
        headers["Idempotency-Key"] = requestOptions.idempotencyKey;
      }
      var init = { method: method, headers: headers, credentials: "omit", cache: "no-store" };
      if (body !== undefined) init.body = JSON.stringify(body);
      if (requestOptions && requestOptions.signal) init.signal = requestOptions.signal;
      return fetch(url(path), init).then(function (response) {
        return response.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : {}; } catch (e) { data = null; }
          if (response.ok && data) return data;
          var error = data && data.error ? data.error : {};
          throw new ApiError(response.status, error.code || "http_" + response.status,
            error.message || "", data);
        });
      }, function (cause) {
        if (cause && cause.name === "AbortError") throw cause;
        throw new ApiError(0, "network_error", "");
      });
    }

    /** A public, versioned resource (the UI strings): no token, and the browser may cache it. */
    function cached(path) {
      return fetch(base + path, { credentials: "omit", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) throw new ApiError(response.status, "http_" + response.status, "");
          return response.json();
        });
    }

    return {
      cached: cached,
      get: function (path, opts) { return request("GET", path, undefined, opts); },
      post: function (path, body, opts) { return request("POST", path, body || {}, opts); },
      patch: function (path, body, opts) { return request("PATCH", path, body || {}, opts); },
      del: function (path, opts) { return request("DELETE", path, undefined, opts); }
    };
  }

  parts.api = { createApi: createApi, ApiError: ApiError };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
