import { dynamicsWebhookTrigger } from "./dynamicsWebhookTrigger";
import { pollChangesTrigger } from "./pollChangesTrigger";

export default { dynamicsWebhookTrigger, pollChangesTrigger };
