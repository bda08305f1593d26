-- wrk script: POST /api/v1/reports, each request a new report with its own Idempotency-Key.
-- BENCH_PHOTO=<path of a JPEG>: multipart with that photo, made unique per request by a JPEG comment segment
-- (media are stored by content hash, so an identical photo would skip the write and the fsync).
local photo_path = os.getenv("BENCH_PHOTO")
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local threads, counter, prefix, photo = {}, 0, "", nil
local boundary = "----phananh-bench-7d1f"
accepted, statuses = 0, {}

local function json_body(n)
  return string.format(
    '{"category":"giao-thong","title":"Ổ gà trên đường Lý Thường Kiệt %s-%d",'
    .. '"description":"Mặt đường có ổ gà lớn gây nguy hiểm cho người đi xe máy vào ban đêm.",'
    .. '"location":{"lat":9.1769,"lon":105.1524},"address":"Đường Lý Thường Kiệt, phường An Xuyên",'
    .. '"reporter":{"name":"Nguyễn Văn Bảy","phone":"0912345678","email":"bay.nguyen@example.vn"},'
    .. '"anonymous":false,"share_identity_with_agency":false,"consent":true,"urgent_hint":false,"language":"vi"}',
    prefix, n)
end

function setup(thread)
  thread:set("thread_no", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  prefix = run .. "-" .. tostring(thread_no)
  if photo_path then
    local f = assert(io.open(photo_path, "rb"))
    photo = f:read("*a")
    f:close()
  end
end

function request()
  counter = counter + 1
  local headers = {["Idempotency-Key"] = prefix .. "-" .. counter}
  local body = json_body(counter)
  if photo then
    -- SOI, then a 24-byte comment (FF FE, length 26) that makes the file unique, then the rest.
    local comment = string.format("%-24s", prefix .. "-" .. counter):sub(1, 24)
    local jpeg = photo:sub(1, 2) .. string.char(0xFF, 0xFE, 0, 26) .. comment .. photo:sub(3)
    headers["Content-Type"] = "multipart/form-data; boundary=" .. boundary
    body = "--" .. boundary .. "\r\nContent-Disposition: form-data; name=\"report\"\r\n"
      .. "Content-Type: application/json\r\n\r\n" .. body .. "\r\n--" .. boundary
      .. "\r\nContent-Disposition: form-data; name=\"files\"; filename=\"photo.jpg\"\r\n"
      .. "Content-Type: image/jpeg\r\n\r\n" .. jpeg .. "\r\n--" .. boundary .. "--\r\n"
  else
    headers["Content-Type"] = "application/json"
  end
  return wrk.format("POST", "/api/v1/reports", headers, body)
end

function response(status, headers, body)
  if status == 201 then
    accepted = accepted + 1
  else
    statuses[status] = (statuses[status] or 0) + 1
  end
end

function done(summary, latency, requests)
  local ok, other = 0, {}
  for _, t in ipairs(threads) do
    ok = ok + t:get("accepted")
    for status, n in pairs(t:get("statuses")) do
      other[#other + 1] = status .. ":" .. n
    end
  end
  local e = summary.errors
  io.write(string.format(
    "RESULT accepted=%d requests=%d duration_us=%d p50_us=%d p95_us=%d p99_us=%d max_us=%d"
    .. " socket_errors=%d timeouts=%d non201=%s\n",
    ok, summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max, e.connect + e.read + e.write, e.timeout,
    #other > 0 and table.concat(other, ",") or "0"))
end
