-- wrk: the soak's mix: 4 unrecorded screens, 1 recorded check, 1 classify.
local n = 0
request = function()
  n = n + 1
  local h = {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("EXCTL_KEY")}
  local k = n % 6
  if k == 4 then
    return wrk.format("POST", "/api/v1/check", h, '{"item":"h100","to":"AE"}')
  elseif k == 5 then
    return wrk.format("POST", "/api/v1/classify", h, '{"item":"mi300x"}')
  end
  return wrk.format("POST", "/api/v1/screen", h, '{"name":"Huawei Technologies ' .. (n % 97) .. '","record":false}')
end
