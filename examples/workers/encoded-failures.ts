/**
 * The encrypted worker's failure converter: a failure's message and stack trace move into its
 * encoded attributes, so the codec encrypts them too (the server then holds "Encoded failure").
 * A module of its own because the SDK loads it by path (DataConverter.failureConverterPath).
 */
import { DefaultFailureConverter } from "@temporalio/common";

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
