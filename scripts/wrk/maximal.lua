-- wrk: the largest check the limits allow, unrecorded: every party and
-- owner slot filled (the body is made by bench-serve, in $MAX_BODY).
local f = assert(io.open(os.getenv("MAX_BODY"), "r"))
local body = f:read("*a")
f:close()
request = function()
  return wrk.format("POST", "/api/v1/check", {["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. os.getenv("EXCTL_KEY")}, body)
end
