-- bench/soak.lua: the wrk script of bench/soak.
--
-- Reads the request table named by SOAK_TABLE, one request a line,
-- tab-separated: name, kind, method, path, Host ("-": wrk's), body file
-- ("-": none), expected status, weight.  Each thread cycles through the
-- requests (each repeated weight times, shuffled) and, with one
-- connection per thread (wrk -t N -c N), answers come back in the order
-- of the requests: response() pairs each answer with its request and
-- tallies its status per kind.  done() writes the tallies to the file
-- named by SOAK_REPORT:
--   status KIND STATUS COUNT
--   unexpected NAME STATUS EXPECTED COUNT
--   total ANSWERS UNEXPECTED UNPAIRED
--   wrk REQUESTS DURATION_US CONNECT READ WRITE TIMEOUT

local entries = {}
local order = {}
local pos = 0
local fifo, head, tail = {}, 1, 0

-- Globals, so that done() can collect them with thread:get(), which
-- cannot copy tables (wrk 4.1 crashes): each tally is a global of its
-- own, named "n\tKIND\tSTATUS" or "u\tNAME\tSTATUS\tEXPECTED", and
-- seen lists those names, one a line.
seen = ""
answers = 0
nunexpected = 0
unpaired = 0

local function bump(key)
	local v = _G[key]
	if v == nil then
		seen = seen .. key .. "\n"
		v = 0
	end
	_G[key] = v + 1
end

local threads = {}

local function split(s)
	local f = {}
	for field in (s .. "\t"):gmatch("([^\t]*)\t") do
		f[#f + 1] = field
	end
	return f
end

local function load()
	local path = assert(os.getenv("SOAK_TABLE"), "SOAK_TABLE not set")
	for line in io.lines(path) do
		local f = split(line)
		if #f >= 8 then
			local body = nil
			if f[6] ~= "-" then
				local h = assert(io.open(f[6], "rb"))
				body = h:read("*a")
				h:close()
			end
			local headers = {}
			if f[5] ~= "-" then
				headers["Host"] = f[5]
			end
			entries[#entries + 1] = {
				name = f[1], kind = f[2],
				expect = tonumber(f[7]),
				req = wrk.format(f[3], f[4], headers, body),
			}
			for _ = 1, tonumber(f[8]) do
				order[#order + 1] = #entries
			end
		end
	end
	assert(#order > 0, "no requests in " .. path)
end

function setup(thread)
	thread:set("id", #threads + 1)
	threads[#threads + 1] = thread
end

function init(args)
	load()
	-- The same mix in every thread, in another order.
	math.randomseed(1000 + (id or 0))
	for i = #order, 2, -1 do
		local j = math.random(i)
		order[i], order[j] = order[j], order[i]
	end
end

-- wrk calls request() once in the first thread's state before any
-- connection, to count pipelined requests (script_verify_request), and
-- throws the answer away: that call must not enter the queue.
local verified = false

function request()
	if id == 1 and not verified then
		verified = true
		return entries[order[1]].req
	end
	pos = pos % #order + 1
	local e = order[pos]
	tail = tail + 1
	fifo[tail] = e
	return entries[e].req
end

function response(status, headers, body)
	local e = fifo[head]
	if e == nil then
		unpaired = unpaired + 1
		return
	end
	fifo[head] = nil
	head = head + 1
	local ent = entries[e]
	answers = answers + 1
	bump("n\t" .. ent.kind .. "\t" .. status)
	if status ~= ent.expect then
		nunexpected = nunexpected + 1
		bump("u\t" .. ent.name .. "\t" .. status .. "\t" .. ent.expect)
	end
end

function done(summary, latency, requests)
	local out = assert(io.open(assert(os.getenv("SOAK_REPORT")), "w"))
	local all, keys, n, nun, unp = {}, {}, 0, 0, 0
	for _, t in ipairs(threads) do
		for key in (t:get("seen") or ""):gmatch("[^\n]+") do
			if all[key] == nil then
				keys[#keys + 1] = key
				all[key] = 0
			end
			all[key] = all[key] + (t:get(key) or 0)
		end
		n = n + (t:get("answers") or 0)
		nun = nun + (t:get("nunexpected") or 0)
		unp = unp + (t:get("unpaired") or 0)
	end
	for _, key in ipairs(keys) do
		local kind = key:sub(1, 1) == "n" and "status" or "unexpected"
		out:write(kind .. key:sub(2) .. "\t" .. all[key] .. "\n")
	end
	out:write(string.format("total\t%d\t%d\t%d\n", n, nun, unp))
	local e = summary.errors
	out:write(string.format("wrk\t%d\t%d\t%d\t%d\t%d\t%d\n",
	    summary.requests, summary.duration, e.connect, e.read, e.write,
	    e.timeout))
	out:close()
end
