-- wrk script: send N requests per write (HTTP/1.1 pipelining). N is the first script
-- argument: wrk -s bench/wrk/pipeline.lua http://127.0.0.1:8080/ -- 10
-- wrk counts each response, so Requests/sec counts requests, not batches.

local batch

function init(args)
  local depth = tonumber(args[1]) or 10
  local parts = {}
  for n = 1, depth do
    parts[n] = wrk.format(nil, nil)
  end
  batch = table.concat(parts)
end

function request()
  return batch
end
