-- wrk: unrecorded screens, rotating through names in several scripts.
local names = {
  "Huawei Technologies", "华为技术有限公司", "Acme Trading Co", "Semiconductor Manufacturing International",
  "Иван Петров", "Northwind Photonics", "Sugon Information Industry", "김철수", "Falcon Data LLC",
  "Rosoboronexport", "Hikvision", "Patricia Lucas Wheeler", "Beijing Biren Technology", "Mahan Air",
}
local n = 0
request = function()
  n = n + 1
  local body = '{"name":"' .. names[(n % #names) + 1] .. '","record":false}'
  return wrk.format("POST", "/api/v1/screen", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("EXCTL_KEY")}, body)
end
