export {
  dropTestSchemas,
  freshSchemaName,
  requirePostgres,
  TEST_DATABASE_URL,
} from "./postgres.js";
