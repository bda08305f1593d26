-- wrk script: POST /api/v1/reports, each request a new report with its own Idempotency-Key.
-- BENCH_PHOTO=<path of a JPEG>: multipart with that photo, made unique per request by a JPEG comment segment
-- (media are stored by content hash, so an identical photo would skip the write and the fsync).
-- BENCH_PLACES="<category>,<lat>,<lon>;...": each request takes the next place of that list (a province's
-- communes and a storm's categories); without it every report is a pothole in one street.
local photo_path = os.getenv("BENCH_PHOTO")
local places = {}
for cat, lat, lon in (os.getenv("BENCH_PLACES") or "giao-thong,9.1769,105.1524"):gmatch("([^,;]+),([^,;]+),([^,;]+)") do
  places[#places + 1] = {cat, lat, lon}
end
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local threads, counter, prefix, photo = {}, 0, "", nil
local boundary = "----phananh-bench-7d1f"
accepted, statuses = 0, {}

local function json_body(n)
  local place = places[(n * 7919 + thread_no) % #places + 1]  -- a stride prime to the list: well spread
  return string.format(
    '{"category":"%s","title":"Phản ánh hiện trường %s-%d",'
    .. '"description":"Cây đổ chắn ngang đường sau bão, nước ngập sâu, người dân không đi lại được.",'
    .. '"location":{"lat":%s,"lon":%s},"address":"Ấp 3, gần chợ",'
    .. '"reporter":{"name":"Nguyễn Văn Bảy","phone":"0912345678","email":"bay.nguyen@example.vn"},'
    .. '"anonymous":false,"share_identity_with_agency":false,"consent":true,"urgent_hint":false,"language":"vi"}',
    place[1], prefix, n, place[2], place[3])
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
