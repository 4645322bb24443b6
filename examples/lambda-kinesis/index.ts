/**
 * The Lambda entry point (`index.handler`). Configuration comes from the function's environment:
 *
 * - `AIOPS_STATE_TABLE`: the DynamoDB state table (hash `pk`, range `sk`, TTL on `ttl`);
 * - `AWS_REGION`: set by Lambda;
 * - `AIOPS_DYNAMODB_ENDPOINT`: only to point at a local DynamoDB (dynalite) when trying it out.
 *
 * Enable `FunctionResponseTypes: ["ReportBatchItemFailures"]` on the event source mapping: without it
 * Lambda ignores `batchItemFailures` and retries whole batches.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createHandler } from './handler.js';

const tableName = process.env.AIOPS_STATE_TABLE;
if (!tableName) throw new Error('AIOPS_STATE_TABLE is not set: name the DynamoDB state table of the pipeline');

const endpoint = process.env.AIOPS_DYNAMODB_ENDPOINT;
const dynamodb = new DynamoDBClient({
  region: process.env.AWS_REGION,
  ...(endpoint ? { endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
});

export const handler = createHandler({ dynamodb, tableName });
