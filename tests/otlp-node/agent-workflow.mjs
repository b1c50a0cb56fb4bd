// A three-step agent workflow (plan → two LLM calls → a tool call) traced with the stock OpenTelemetry JS SDK and
// exported over OTLP/HTTP protobuf (@opentelemetry/exporter-trace-otlp-proto) to a LatticeLock silo. Configured only through the standard variables:
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:PORT/otlp  OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20ll_…
// The first LLM call follows the OpenTelemetry GenAI conventions, the second OpenInference's. Then the very same spans
// are exported a second time, as an exporter's retry would. Prints one JSON line: the trace id, the conversation id,
// and both export results (0 = success).
import { context, trace, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, SimpleSpanProcessor, InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';

const exporter = new OTLPTraceExporter();
const memory = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'node-agent' }),
  spanProcessors: [new SimpleSpanProcessor(memory)],
});
const tracer = provider.getTracer('latticelock-node-test', '1.0.0');

const conversation = process.argv[2] ?? `node-conversation-${Date.now()}`;
const t0 = Date.now() - 10_000;
const at = (ms) => new Date(t0 + ms);

const root = tracer.startSpan('invoke_agent researcher', { kind: SpanKind.INTERNAL, startTime: at(0), attributes: { 'session.id': conversation, 'gen_ai.agent.name': 'researcher' } });
const inRoot = trace.setSpan(context.active(), root);

const plan = tracer.startSpan('plan', { startTime: at(0), attributes: { 'agent.step': 'plan' } }, inRoot);
plan.end(at(200));

const first = tracer.startSpan('chat gpt-4o', {
  kind: SpanKind.CLIENT, startTime: at(200), attributes: {
    'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o',
    'gen_ai.response.model': 'gpt-4o', 'gen_ai.request.temperature': 0.2, 'gen_ai.request.max_tokens': 800,
    'gen_ai.usage.input_tokens': 1500, 'gen_ai.usage.output_tokens': 400,
  },
}, inRoot);
first.end(at(1200));

const second = tracer.startSpan('ChatCompletion', {
  kind: SpanKind.CLIENT, startTime: at(1300), attributes: {
    'openinference.span.kind': 'LLM', 'llm.model_name': 'gpt-4o-mini', 'llm.provider': 'openai',
    'llm.invocation_parameters': '{"temperature":0.7,"max_tokens":300}',
    'llm.token_count.prompt': 900, 'llm.token_count.completion': 250,
  },
}, inRoot);
second.setStatus({ code: SpanStatusCode.OK });
second.end(at(2100));

const tool = tracer.startSpan('execute_tool web_search', { startTime: at(2200), attributes: { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'web_search' } }, inRoot);
tool.end(at(2500));
root.end(at(2600));

await provider.forceFlush();
// One batch with every span, as a BatchSpanProcessor would send it, then the same batch again (a retry).
const exportOnce = (spans) => new Promise((resolve) => exporter.export(spans, (result) => resolve(result.code)));
const firstResult = await exportOnce(memory.getFinishedSpans());
const secondResult = await exportOnce(memory.getFinishedSpans());
console.log(JSON.stringify({ trace_id: root.spanContext().traceId, conversation, first: firstResult, second: secondResult, spans: memory.getFinishedSpans().length }));
await provider.shutdown();
