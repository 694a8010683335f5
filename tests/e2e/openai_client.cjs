// tests/e2e/openai_client.cjs: the official openai npm client against agentgate.
// usage: node openai_client.cjs OPENAI_PACKAGE_DIR BASE_URL API_KEY MODEL
// Prints one JSON object with what each call returned; test_openai_sdk.py checks it.
'use strict';
const [pkg, baseURL, apiKey, model] = process.argv.slice(2);
const OpenAI = require(pkg);

async function main() {
    const client = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 30000 });
    const out = {};
    const models = await client.models.list();
    out.models = models.data.map((m) => m.id);
    const question = 'Wie lange dauert der Versand nach Österreich?';
    const c = await client.chat.completions.create({
        model, messages: [{ role: 'user', content: question }], temperature: 0,
    });
    out.json = {
        content: c.choices[0].message.content, finish: c.choices[0].finish_reason,
        usage: c.usage, agentgate: c.agentgate,
    };
    const stream = await client.chat.completions.create({
        model, messages: [{ role: 'user', content: question }], stream: true,
        stream_options: { include_usage: true },
    });
    let text = '', finish = null, usage = null, extra = null, chunks = 0;
    for await (const chunk of stream) {
        chunks++;
        if (chunk.choices.length) {
            text += chunk.choices[0].delta.content || '';
            finish = chunk.choices[0].finish_reason || finish;
        }
        if (chunk.usage) usage = chunk.usage;
        if (chunk.agentgate) extra = chunk.agentgate;
    }
    out.stream = { content: text, finish, usage, agentgate: extra, chunks };
    try {
        await client.chat.completions.create({
            model, messages: [{ role: 'system', content: 'x' }, { role: 'user', content: 'Hallo' }],
        });
        out.error = null;
    } catch (e) {
        out.error = { status: e.status, code: e.code, type: e.type, name: e.constructor.name };
    }
    const bad = new OpenAI({ baseURL, apiKey: 'agk_bad_key', maxRetries: 0 });
    try {
        await bad.models.list();
        out.auth_error = null;
    } catch (e) {
        out.auth_error = { status: e.status, name: e.constructor.name };
    }
    process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((e) => { process.stderr.write(String(e && e.stack || e) + '\n'); process.exit(1); });
