import { component } from "@prismatic-io/spectral";
import actions from "./actions";
import { handleError } from "./client";
import connections from "./connections";
import dataSources from "./dataSources";
import triggers from "./triggers";

export default component({
  key: "ms-dynamics",
  public: false,
  display: {
    label: "Microsoft Dynamics 365",
    description: "Query, create, update or delete Microsoft Dynamics 365 API records",
    iconPath: "icon.png",
    category: "Application Connectors",
  },
  hooks: { error: handleError },
  connections,
  actions,
  triggers,
  dataSources,
});
