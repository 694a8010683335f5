-- SPDX-License-Identifier: MIT
-- proxy_chat.lua: the wrk request of bench/proxy.sh, one non-streaming chat completion.
-- The same body goes to agentgate and straight to the mock upstream; AG_BENCH_KEY (when
-- set) becomes the Authorization header, which only agentgate checks.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local key = os.getenv("AG_BENCH_KEY")
if key and key ~= "" then
   wrk.headers["Authorization"] = "Bearer " .. key
end
wrk.body = '{"model": "shop-assistant", "temperature": 0, "messages": '
   .. '[{"role": "user", "content": "Wie lange dauert der Versand nach \195\150sterreich?"}]}'
