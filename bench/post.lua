-- wrk script: Outlook's Autodiscover POST.  The body is read from the
-- file named by WRK_BODY (bench/outlook-request.xml by default).
local f = assert(io.open(os.getenv("WRK_BODY") or "bench/outlook-request.xml", "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"
