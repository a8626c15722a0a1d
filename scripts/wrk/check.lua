-- wrk: recorded checks, rotating items and destinations.
local items = { "h100", "h20", "a100", "mi300x", "rtx 4090", "b200", "l40s", "gaudi 3" }
local dests = { "CN", "DE", "AE", "VN", "IN", "KR", "SG", "BR" }
local n = 0
request = function()
  n = n + 1
  local body = '{"item":"' .. items[(n % #items) + 1] .. '","to":"' .. dests[(math.floor(n / #items) % #dests) + 1] .. '"}'
  return wrk.format("POST", "/api/v1/check", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("EXCTL_KEY")}, body)
end
