import { registerApiKeyContract } from './api-keys-contract.js';
import { registerAuditContract } from './audit-contract.js';
import { registerCatalogContract } from './catalog-contract.js';
import { registerStoreContract } from './contract.js';
import { registerEventContract } from './event-contract.js';
import { registerIncidentStoreContract } from './incidents-contract.js';
import { sqliteHarness } from './sqlite/harness.js';
import { registerToolRejectionContract } from './tool-rejections-contract.js';

// Every contract suite the file store and Redis pass, against the SQLite store.
const harness = sqliteHarness();
registerStoreContract('sqlite', harness);
registerAuditContract('sqlite', harness);
registerEventContract('sqlite', harness);
registerIncidentStoreContract('sqlite', harness);
registerApiKeyContract('sqlite', harness);
registerToolRejectionContract('sqlite', harness);
registerCatalogContract('sqlite', harness);
