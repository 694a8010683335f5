-- SPDX-License-Identifier: MIT
-- ask.lua: the wrk request of bench/ask_ab.sh, the shipping question to /v1/ask with
-- AG_BENCH_KEY as the bearer key.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("AG_BENCH_KEY")
wrk.body = '{"question": "Wie lange dauert der Versand nach \195\150sterreich?"}'
