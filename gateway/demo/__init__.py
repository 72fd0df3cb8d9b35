"""`cfx demo`: the three-node federation story on one machine (issue 12): the network
(network.py), the credentials (documents.py), the steps (story.py) and how they print (table.py).
"""
